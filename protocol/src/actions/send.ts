import * as z from 'zod/mini';
import { MAX_MENTIONS } from '../limits.js';
import { clientMsgIdSchema, conversationIdSchema, msgIdSchema, position, requestIdSchema, timestamp, userIdSchema } from '../schemas/identifiers.js';
import { bodySchema } from '../schemas/shapes.js';

/**
 * `send`: stores a message for the sender and delivers it. Exactly one of `to` (a user id: the
 * direct conversation with them) or `conversationId`. Idempotent per (sender, `clientMsgId`).
 */
export const sendRequest = z
  .strictObject({
    action: z.literal('send'),
    id: requestIdSchema,
    clientMsgId: clientMsgIdSchema,
    to: z.optional(userIdSchema),
    conversationId: z.optional(conversationIdSchema),
    body: bodySchema,
    /** The conversationSeq of an earlier message of the same conversation that this one answers. */
    replyTo: z.optional(position()),
    /** Members of the conversation mentioned in the message. */
    mentions: z.optional(z.array(userIdSchema).check(z.maxLength(MAX_MENTIONS))),
  })
  .check(
    z.refine((frame) => (frame.to === undefined) !== (frame.conversationId === undefined), {
      message: 'exactly one of "to" and "conversationId" is required',
      path: ['to'],
    }),
  );

/**
 * `seq` is the sender's own timeline item for the message; a large group's message is stored only
 * in its conversation (read fan-out), so there it is null. `body` is there only when the stored
 * body is not the one sent: the deployment's moderation replaced it (docs/moderation.md), and
 * every device, `sync` and `history` show the stored one.
 */
export const sendResult = z.strictObject({
  msgId: msgIdSchema,
  conversationId: conversationIdSchema,
  conversationSeq: position(),
  seq: z.nullable(position()),
  ts: timestamp(),
  body: z.optional(bodySchema),
});
export type SendResult = z.infer<typeof sendResult>;

/** Exactly one of `to` (direct message) or `conversationId`. */
export type Destination = { to: string; conversationId?: undefined } | { conversationId: string; to?: undefined };
export type SendParams = Destination & Pick<z.input<typeof sendRequest>, 'clientMsgId' | 'body' | 'replyTo' | 'mentions'>;
