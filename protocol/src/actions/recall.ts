import * as z from 'zod/mini';
import { conversationIdSchema, position, requestIdSchema } from '../schemas/identifiers.js';
import { messageChangeResult } from './message-change.js';

/**
 * `recall`: takes a message back for everyone: its content is removed from storage. The sender
 * may within the recall window, a group's owner at any time. Recalling again changes nothing.
 */
export const recallRequest = z.strictObject({
  action: z.literal('recall'),
  id: requestIdSchema,
  conversationId: conversationIdSchema,
  conversationSeq: position(),
});
export const recallResult = messageChangeResult;
export type RecallResult = z.infer<typeof recallResult>;
