import * as z from 'zod/mini';
import { conversationIdSchema, position, requestIdSchema } from '../schemas/identifiers.js';

/**
 * `delivered`: the acknowledgement of pushes. The caller's device holds the conversation's
 * messages up to `upTo` (a conversationSeq): it moves the caller's delivered position (monotonic,
 * like `read`), and the authors of the messages it covers get a `delivered` event. `sync` and
 * `syncConversation` move it too, for what they return.
 */
export const deliveredRequest = z.strictObject({
  action: z.literal('delivered'),
  id: requestIdSchema,
  conversationId: conversationIdSchema,
  upTo: position(),
});
export const deliveredResult = z.strictObject({});
export type DeliveredResult = z.infer<typeof deliveredResult>;
