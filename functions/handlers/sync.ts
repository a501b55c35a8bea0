import * as z from 'zod';
import { requestIdSchema } from '../shared/protocol/identifiers.js';
import { actionHandler } from '../shared/runtime/action-handler.js';
import { storageFromEnv } from '../shared/runtime/messaging-context.js';
import { readTimeline } from '../shared/timeline/read-timeline.js';

const syncSchema = z.strictObject({
  action: z.literal('sync'),
  id: requestIdSchema,
  after: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  limit: z.number().int().min(1).max(200).default(100),
});

/** `sync`: the caller's own timeline after `after`, ascending and contiguous. */
export const handler = actionHandler({
  action: 'sync',
  schema: syncSchema,
  run: (input, { caller }) => readTimeline(storageFromEnv(), caller.userId, input.after, input.limit),
});
