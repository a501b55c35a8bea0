import * as z from 'zod/mini';
import { isEmoji } from '../emoji.js';
import { MAX_CUSTOM_PAYLOAD_BYTES, MAX_CUSTOM_TYPE_CHARS, MAX_TEXT_CHARS, utf8ByteLength } from '../limits.js';
import { unstorableReason } from './storable-json.js';
import { attachmentBodySchemas } from './attachments.js';
import { clientMsgIdSchema, conversationIdSchema, count, msgIdSchema, position, timestamp, userIdSchema } from './identifiers.js';

/**
 * A message body: plain text, a typed custom payload of at most 16 KB of JSON, or an attachment
 * (`image`, `video`, `audio`, `file`: bytes uploaded to S3 through `attachmentUpload`).
 */
export const bodySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('text'), text: z.string().check(z.minLength(1), z.maxLength(MAX_TEXT_CHARS)) }),
  z.strictObject({
    kind: z.literal('custom'),
    type: z.string().check(z.minLength(1), z.maxLength(MAX_CUSTOM_TYPE_CHARS)),
    payload: z.json().check(
      // Over the size limit is TOO_LARGE (shorten it), unstorable is BAD_REQUEST (fix it): the
      // edge tells them apart by the issue's code.
      z.superRefine((payload, context) => {
        const bytes = utf8ByteLength(JSON.stringify(payload) ?? '');
        if (bytes > MAX_CUSTOM_PAYLOAD_BYTES) {
          context.issues.push({ code: 'too_big', origin: 'string', maximum: MAX_CUSTOM_PAYLOAD_BYTES, input: payload, message: `payload must be at most ${MAX_CUSTOM_PAYLOAD_BYTES} bytes of JSON` });
          return;
        }
        const reason = unstorableReason(payload);
        if (reason) context.issues.push({ code: 'custom', message: reason, input: payload });
      }),
    ),
  }),
  ...attachmentBodySchemas,
]);
export type Body = z.infer<typeof bodySchema>;

/** One emoji grapheme (a reaction). */
export const emojiSchema = z.string().check(z.refine(isEmoji, 'must be one emoji'));

/** Who reacted with what: emoji to the user ids that reacted with it (in the order they did). */
export const reactionsSchema = z.record(emojiSchema, z.array(userIdSchema));
export type Reactions = z.infer<typeof reactionsSchema>;

/**
 * A message as clients see it, in its current state. `conversationSeq` is contiguous per
 * conversation from 1. A message changes through `edit`, `recall` and `react`; each change raises
 * `version` (absent: 1, never changed), in server order, so a client keeps the state with the
 * highest version. A recalled message has no `body`; nor does one the caller deleted for
 * themselves (`deletedForMe`, only in that caller's `history` and `syncConversation`).
 */
export const messageSchema = z
  .strictObject({
    msgId: msgIdSchema,
    conversationId: conversationIdSchema,
    conversationSeq: position(),
    from: userIdSchema,
    body: z.optional(bodySchema),
    ts: timestamp(),
    clientMsgId: clientMsgIdSchema,
    /** The conversationSeq of the message this one answers (same conversation). */
    replyTo: z.optional(position()),
    /** Members mentioned (`@name`). */
    mentions: z.optional(z.array(userIdSchema)),
    /** When the body was last edited. */
    editedAt: z.optional(timestamp()),
    /** Taken back by its sender (or a group owner): the content is gone from storage. */
    recalled: z.optional(z.literal(true)),
    reactions: z.optional(reactionsSchema),
    /** 1 + the number of changes; absent until the first change. */
    version: z.optional(position()),
    /** The caller deleted it for themselves (deleteForMe). */
    deletedForMe: z.optional(z.literal(true)),
  })
  .check(
    z.refine(
      (message) => (message.body === undefined) === (message.recalled === true || message.deletedForMe === true),
      'a message has a body unless it was recalled or deleted for the caller',
    ),
  );
export type Message = z.infer<typeof messageSchema>;

export const MEMBERSHIP_EVENTS = ['groupCreated', 'membersAdded', 'membersRemoved', 'memberLeft', 'groupBecameLarge'] as const;
export type MembershipEvent = (typeof MEMBERSHIP_EVENTS)[number];

/** Changes of roles and settings (`setRole`, `transferOwnership`, `updateGroup`), also `system` items. */
export const GROUP_CHANGE_EVENTS = ['roleChanged', 'ownershipTransferred', 'groupUpdated'] as const;
export type GroupChangeEvent = (typeof GROUP_CHANGE_EVENTS)[number];

/** Every kind of `system` item. */
export const SYSTEM_EVENTS = [...MEMBERSHIP_EVENTS, ...GROUP_CHANGE_EVENTS] as const;
export type SystemEventKind = (typeof SYSTEM_EVENTS)[number];

/** A member's role in a group: one owner, any number of admins. */
export const GROUP_ROLES = ['owner', 'admin', 'member'] as const;
export type GroupRole = (typeof GROUP_ROLES)[number];

/**
 * What a `system` timeline item says: a membership change. Changes of up to 100 users list them
 * in `members`; bigger ones give `memberCount`. `groupBecameLarge` carries `largeSince`: from the
 * next conversationSeq on, the group is caught up with `syncConversation`. `roleChanged` and
 * `ownershipTransferred` name the member concerned in `members` and the role given in `role`
 * (for a transfer: the role the previous owner, `by`, now has); `groupUpdated` carries only the
 * settings that changed (`title`, `onlyAdminsSend`, `onlyAdminsAdd`).
 */
export const systemEventSchema = z.strictObject({
  event: z.enum(SYSTEM_EVENTS),
  conversationId: conversationIdSchema,
  by: z.optional(userIdSchema),
  title: z.optional(z.string()),
  members: z.optional(z.array(userIdSchema)),
  memberCount: z.optional(count()),
  largeSince: z.optional(position(0)),
  role: z.optional(z.enum(GROUP_ROLES)),
  onlyAdminsSend: z.optional(z.boolean()),
  onlyAdminsAdd: z.optional(z.boolean()),
});
export type SystemEvent = z.infer<typeof systemEventSchema>;

export const TIMELINE_ITEM_TYPES = ['message', 'system', 'void', 'update', 'deleteForMe'] as const;

/** What a `deleteForMe` timeline item says: these messages are hidden on the user's devices. */
export const deletedForMeSchema = z.strictObject({ conversationId: conversationIdSchema, conversationSeqs: z.array(position()) });
export type DeletedForMe = z.infer<typeof deletedForMeSchema>;

/**
 * An entry of a user's own timeline. `seq` is contiguous per user from 1. A `message` item
 * carries `message`, a `system` item `system`; a `void` item (a seq whose writer crashed) carries
 * nothing and only advances the client's `lastSeq`. An `update` item carries the new state of a
 * message the user already has (an edit, recall or reaction); a `deleteForMe` item (`deleted`)
 * says which messages the user hid on all their devices.
 */
export const timelineItemSchema = z
  .strictObject({
    seq: position(),
    type: z.enum(TIMELINE_ITEM_TYPES),
    message: z.optional(messageSchema),
    system: z.optional(systemEventSchema),
    deleted: z.optional(deletedForMeSchema),
  })
  .check(
    z.refine(
      (item) =>
        (item.message !== undefined) === (item.type === 'message' || item.type === 'update') &&
        (item.system !== undefined) === (item.type === 'system') &&
        (item.deleted !== undefined) === (item.type === 'deleteForMe'),
      'a message or update item carries message, a system item system, a deleteForMe item deleted, a void item nothing',
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
  /** Groups: the caller's role (the owner and admins may recall any message of the group). */
  role: z.optional(z.enum(GROUP_ROLES)),
  /** Groups: the owner's user id. */
  owner: z.optional(userIdSchema),
  /** Groups that list `members`: the admins among them. */
  admins: z.optional(z.array(userIdSchema)),
  /** Groups: only the owner and admins may send (a member's composer is greyed out). */
  onlyAdminsSend: z.optional(z.boolean()),
  /** Groups: only the owner and admins may add members. */
  onlyAdminsAdd: z.optional(z.boolean()),
  /** Large groups (read fan-out): catch up with `syncConversation` up to `latestSeq`. */
  large: z.optional(z.boolean()),
  latestSeq: z.optional(position(0)),
  lastMessage: z.optional(messageSchema),
  unread: count(),
  readUpTo: position(0),
  /** Direct conversations: the peer has received the caller's messages up to this conversationSeq. */
  deliveredUpTo: z.optional(position(0)),
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
