import * as z from 'zod/mini';
import { MAX_DELETE_FOR_ME_SEQS } from '../limits.js';
import { conversationIdSchema, position, requestIdSchema } from '../schemas/identifiers.js';

/** `deleteForMe`: hides messages on the caller's own devices; nobody else sees a change. */
export const deleteForMeRequest = z.strictObject({
  action: z.literal('deleteForMe'),
  id: requestIdSchema,
  conversationId: conversationIdSchema,
  conversationSeqs: z.array(position()).check(z.minLength(1), z.maxLength(MAX_DELETE_FOR_ME_SEQS)),
});
/** `seq`: the caller's `deleteForMe` timeline item, which tells their other devices. */
export const deleteForMeResult = z.strictObject({ seq: position() });
export type DeleteForMeResult = z.infer<typeof deleteForMeResult>;
