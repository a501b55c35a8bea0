import * as z from 'zod/mini';
import { conversationIdSchema, position, requestIdSchema } from '../schemas/identifiers.js';
import { emojiSchema } from '../schemas/shapes.js';
import { messageChangeResult } from './message-change.js';

/** `react`: adds (`on: true`) or removes the caller's reaction `emoji` on a message; idempotent. */
export const reactRequest = z.strictObject({
  action: z.literal('react'),
  id: requestIdSchema,
  conversationId: conversationIdSchema,
  conversationSeq: position(),
  emoji: emojiSchema,
  on: z.boolean(),
});
export const reactResult = messageChangeResult;
export type ReactResult = z.infer<typeof reactResult>;
