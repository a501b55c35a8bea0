import * as z from 'zod/mini';
import { conversationIdSchema, count, position, requestIdSchema } from '../schemas/identifiers.js';

/** `read`: marks a conversation read up to `upTo` (a conversationSeq); monotonic. */
export const readRequest = z.strictObject({
  action: z.literal('read'),
  id: requestIdSchema,
  conversationId: conversationIdSchema,
  upTo: position(),
});
export const readResult = z.strictObject({ unread: count(), totalUnread: count() });
export type ReadResult = z.infer<typeof readResult>;
