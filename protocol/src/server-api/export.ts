import * as z from 'zod/mini';
import { PUSH_PLATFORMS } from '../actions/register-push.js';
import { REPORT_REASONS } from '../reports.js';
import { conversationIdSchema, deviceIdSchema, msgIdSchema, position, timestamp, userIdSchema } from '../schemas/identifiers.js';
import { GROUP_ROLES, messageSchema } from '../schemas/shapes.js';
import { defineRoute, none } from './route.js';

/**
 * The most JSON an export answers with (bytes). Above it the route answers 400 TOO_LARGE
 * (`reason: exportTooLarge`) instead of a document: a Lambda reply to an HTTP API is at most
 * 6 MB, and this leaves room for the rest of the reply. docs/server-api.md, "Exporting a user".
 */
export const USER_EXPORT_MAX_BYTES = 5_000_000;

/** One conversation the user is in, as their membership stores it. */
export const exportedConversation = z.strictObject({
  conversationId: conversationIdSchema,
  kind: z.enum(['direct', 'group']),
  /** Direct conversations: the other member. */
  peer: z.optional(userIdSchema),
  /** Groups: the user's role. */
  role: z.optional(z.enum(GROUP_ROLES)),
  joinedAt: timestamp(),
  /** Offline notifications muted until then (epoch ms). */
  mutedUntil: z.optional(timestamp()),
  /** The user's read position (conversationSeq). */
  readUpTo: position(0),
  /** How far a device of the user has received (conversationSeq). */
  deliveredUpTo: z.optional(position(0)),
  /** Groups delivered by read fan-out (their messages are not in the user's timeline). */
  large: z.optional(z.literal(true)),
});

export const exportedDevice = z.strictObject({
  deviceId: deviceIdSchema,
  platform: z.enum(PUSH_PLATFORMS),
  registeredAt: timestamp(),
});

export const exportedReport = z.strictObject({
  conversationId: conversationIdSchema,
  conversationSeq: position(),
  msgId: msgIdSchema,
  author: userIdSchema,
  reason: z.enum(REPORT_REASONS),
  reportedAt: timestamp(),
});

export const exportedReaction = z.strictObject({
  conversationId: conversationIdSchema,
  conversationSeq: position(),
  msgId: msgIdSchema,
  emoji: z.string(),
});

export const userExport = z.strictObject({
  userId: userIdSchema,
  exportedAt: timestamp(),
  /** The user's timeline: its newest seq (`sync`'s `latest`) and when they were last connected. */
  timeline: z.strictObject({ latest: position(0), lastSeen: z.optional(timestamp()) }),
  conversations: z.array(exportedConversation),
  /** Users this user blocks. */
  blocked: z.array(userIdSchema),
  /**
   * Every message the user can see, in its current state, by conversation and conversationSeq:
   * those of their timeline (direct conversations and write-fan-out groups, also ones they left)
   * and those of their large groups from when they joined. Their own are those with `from` = the user.
   */
  messages: z.array(messageSchema),
  /** The reactions the user gave (also in `messages`). */
  reactions: z.array(exportedReaction),
  /** Push registrations, without the token or the SNS endpoint (credentials to reach the device). */
  devices: z.array(exportedDevice),
  /** Messages the user reported. */
  reports: z.array(exportedReport),
});
export type UserExport = z.infer<typeof userExport>;

/** `GET /v1/users/{id}/export`: everything stored about the user, as one JSON document. */
export const exportUser = defineRoute({
  operationId: 'exportUser',
  method: 'GET',
  path: '/v1/users/{id}/export',
  summary: 'Export everything stored about a user',
  description: `Everything stored about the user, as one JSON document (a data-subject access request): their conversations (role, mute, read and delivery positions), whom they block, every message they can see in its current state (recalled ones without content; from their timeline, and from their large groups since they joined), the reactions they gave, their push registrations (device id and platform; never the token), the reports they filed, their timeline's newest seq and when they were last connected. Read-only, by paged queries. A document above ${USER_EXPORT_MAX_BYTES} bytes of JSON is refused with 400 TOO_LARGE (reason \`exportTooLarge\`), see docs/server-api.md. A user of whom nothing is stored (no timeline, membership, device or connection) is 404. No body.`,
  params: z.strictObject({ id: userIdSchema }),
  query: none,
  body: undefined,
  reply: userExport,
  errors: ['BAD_REQUEST', 'NOT_FOUND', 'TOO_LARGE', 'INTERNAL'],
});
