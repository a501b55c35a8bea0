import * as z from 'zod/mini';
import { MAX_CUSTOM_PAYLOAD_BYTES, MAX_CUSTOM_TYPE_CHARS, MAX_TEXT_CHARS, utf8ByteLength } from '../limits.js';
import { clientMsgIdSchema, conversationIdSchema, count, msgIdSchema, position, timestamp, userIdSchema } from './identifiers.js';

/** A message body: plain text, or a typed custom payload of at most 16 KB of JSON. */
export const bodySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('text'), text: z.string().check(z.minLength(1), z.maxLength(MAX_TEXT_CHARS)) }),
  z.strictObject({
    kind: z.literal('custom'),
    type: z.string().check(z.minLength(1), z.maxLength(MAX_CUSTOM_TYPE_CHARS)),
    payload: z.json().check(
      z.refine(
        (payload) => utf8ByteLength(JSON.stringify(payload) ?? '') <= MAX_CUSTOM_PAYLOAD_BYTES,
        `payload must be at most ${MAX_CUSTOM_PAYLOAD_BYTES} bytes of JSON`,
      ),
    ),
  }),
]);
export type Body = z.infer<typeof bodySchema>;

/** A message as clients see it. `conversationSeq` is contiguous per conversation from 1. */
export const messageSchema = z.strictObject({
  msgId: msgIdSchema,
  conversationId: conversationIdSchema,
  conversationSeq: position(),
  from: userIdSchema,
  body: bodySchema,
  ts: timestamp(),
  clientMsgId: clientMsgIdSchema,
});
export type Message = z.infer<typeof messageSchema>;

export const MEMBERSHIP_EVENTS = ['groupCreated', 'membersAdded', 'membersRemoved', 'memberLeft', 'groupBecameLarge'] as const;
export type MembershipEvent = (typeof MEMBERSHIP_EVENTS)[number];

/**
 * What a `system` timeline item says: a membership change. Changes of up to 100 users list them
 * in `members`; bigger ones give `memberCount`. `groupBecameLarge` carries `largeSince`: from the
 * next conversationSeq on, the group is caught up with `syncConversation`.
 */
export const systemEventSchema = z.strictObject({
  event: z.enum(MEMBERSHIP_EVENTS),
  conversationId: conversationIdSchema,
  by: z.optional(userIdSchema),
  title: z.optional(z.string()),
  members: z.optional(z.array(userIdSchema)),
  memberCount: z.optional(count()),
  largeSince: z.optional(position(0)),
});
export type SystemEvent = z.infer<typeof systemEventSchema>;

export const TIMELINE_ITEM_TYPES = ['message', 'system', 'void'] as const;

/**
 * An entry of a user's own timeline. `seq` is contiguous per user from 1. A `message` item
 * carries `message`, a `system` item `system`; a `void` item (a seq whose writer crashed) carries
 * nothing and only advances the client's `lastSeq`.
 */
export const timelineItemSchema = z
  .strictObject({
    seq: position(),
    type: z.enum(TIMELINE_ITEM_TYPES),
    message: z.optional(messageSchema),
    system: z.optional(systemEventSchema),
  })
  .check(
    z.refine(
      (item) => (item.message !== undefined) === (item.type === 'message') && (item.system !== undefined) === (item.type === 'system'),
      'a message item carries message, a system item system, a void item nothing',
    ),
  );
export type TimelineItem = z.infer<typeof timelineItemSchema>;

/** One entry of the `conversations` reply. */
export const conversationSummarySchema = z.strictObject({
  conversationId: conversationIdSchema,
  kind: z.enum(['direct', 'group']),
  /** Direct conversations: the other member. */
  peer: z.optional(userIdSchema),
  /** Groups: */
  title: z.optional(z.string()),
  /** Groups of up to 100 members (not large ones): every member. */
  members: z.optional(z.array(userIdSchema)),
  memberCount: z.optional(count()),
  /** Large groups (read fan-out): catch up with `syncConversation` up to `latestSeq`. */
  large: z.optional(z.boolean()),
  latestSeq: z.optional(position(0)),
  lastMessage: z.optional(messageSchema),
  unread: count(),
  readUpTo: position(0),
  /** Set while the caller muted the conversation: no offline notifications before this time (epoch ms). */
  mutedUntil: z.optional(timestamp()),
});
export type ConversationSummary = z.infer<typeof conversationSummarySchema>;

export const presenceInfoSchema = z.strictObject({
  online: z.boolean(),
  /** Epoch ms of the last sign of life; null when the user was never seen. */
  lastSeen: z.nullable(timestamp()),
});
export type PresenceInfo = z.infer<typeof presenceInfoSchema>;
