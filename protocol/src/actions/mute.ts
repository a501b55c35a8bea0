import * as z from 'zod/mini';
import { conversationIdSchema, requestIdSchema, timestamp } from '../schemas/identifiers.js';

/** The latest `until` accepted: JavaScript's last representable date (year 275760). */
export const MAX_MUTE_UNTIL = 8_640_000_000_000_000;

/**
 * `mute`: no offline notifications for a conversation until `until` (epoch ms), on all of the
 * caller's devices; `null` unmutes. A mention of the caller still notifies.
 */
export const muteRequest = z.strictObject({
  action: z.literal('mute'),
  id: requestIdSchema,
  conversationId: conversationIdSchema,
  until: z.nullable(timestamp().check(z.maximum(MAX_MUTE_UNTIL))),
});
/** `mutedUntil`: what is now stored (null: not muted). */
export const muteResult = z.strictObject({ mutedUntil: z.nullable(timestamp()) });
export type MuteResult = z.infer<typeof muteResult>;
