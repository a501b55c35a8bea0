import * as z from 'zod/mini';
import { conversationIdSchema, requestIdSchema } from '../schemas/identifiers.js';

/** `typing`: an ephemeral signal to the other members (groups of up to 100 members); never stored. */
export const typingRequest = z.strictObject({ action: z.literal('typing'), id: requestIdSchema, conversationId: conversationIdSchema });
export const typingResult = z.strictObject({});
export type TypingResult = z.infer<typeof typingResult>;
