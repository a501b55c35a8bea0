import * as z from 'zod/mini';
import { SYNC_LIMIT } from '../limits.js';
import { pageSize, position, requestIdSchema } from '../schemas/identifiers.js';
import { timelineItemSchema } from '../schemas/shapes.js';

/** `sync`: the caller's own timeline after `after` (0 = from the start), ascending and contiguous. */
export const syncRequest = z.strictObject({
  action: z.literal('sync'),
  id: requestIdSchema,
  after: position(0),
  limit: pageSize(SYNC_LIMIT),
});
export const syncResult = z.strictObject({
  items: z.array(timelineItemSchema),
  /** The user's newest seq. */
  latest: position(0),
  hasMore: z.boolean(),
});
export type SyncResult = z.infer<typeof syncResult>;
