import * as z from 'zod/mini';
import { conversationIdSchema, position, requestIdSchema } from '../schemas/identifiers.js';
import { bodySchema } from '../schemas/shapes.js';
import { messageChangeResult } from './message-change.js';

/**
 * `edit`: replaces the body of one of the caller's own messages (text and custom bodies only),
 * within the deployment's edit window. An edit to the body the message already has changes
 * nothing, which is what makes a retried edit apply once.
 */
export const editRequest = z.strictObject({
  action: z.literal('edit'),
  id: requestIdSchema,
  conversationId: conversationIdSchema,
  conversationSeq: position(),
  body: bodySchema,
});
export const editResult = messageChangeResult;
export type EditResult = z.infer<typeof editResult>;
