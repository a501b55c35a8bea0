import { syncRequest } from '@serverless-im/protocol';
import { actionHandler } from '../runtime/action-handler.js';
import { storageFromEnv } from '../runtime/instance.js';
import { readTimeline } from '../timeline/read-timeline.js';

/** `sync`: the caller's own timeline after `after`, ascending and contiguous. */
export const handler = actionHandler({
  action: 'sync',
  schema: syncRequest,
  run: (input, { caller }) => readTimeline(storageFromEnv(), caller.userId, input.after, input.limit),
});
