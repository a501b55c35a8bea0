import * as z from 'zod/mini';
import { conversationIdSchema, position, timestamp, userIdSchema } from './schemas/identifiers.js';
import { messageSchema, timelineItemSchema } from './schemas/shapes.js';

/** `read`: a member (or the user on another device) read up to `upTo`. */
export const readEventSchema = z.strictObject({ conversationId: conversationIdSchema, userId: userIdSchema, upTo: position() });
export type ReadEvent = z.infer<typeof readEventSchema>;

/** `delivered`: a device of `userId` has the caller's messages of the conversation up to `upTo`. */
export const deliveredEventSchema = z.strictObject({ conversationId: conversationIdSchema, userId: userIdSchema, upTo: position() });
export type DeliveredEvent = z.infer<typeof deliveredEventSchema>;

/** `typing`: ephemeral, never stored. */
export const typingEventSchema = z.strictObject({ conversationId: conversationIdSchema, userId: userIdSchema });
export type TypingEvent = z.infer<typeof typingEventSchema>;

/** `presence` (optional): a user came online or went offline. */
export const presenceEventSchema = z.strictObject({ userId: userIdSchema, online: z.boolean() });
export type PresenceEvent = z.infer<typeof presenceEventSchema>;

/**
 * `heartbeat`: API Gateway's own answer to a `heartbeat` frame (the route is a mock integration),
 * so it carries no request id: a client keeps at most one heartbeat outstanding per connection.
 */
export const heartbeatEventSchema = z.strictObject({ ts: timestamp() });
export type HeartbeatEvent = z.infer<typeof heartbeatEventSchema>;

export const CLOSING_REASONS = ['tokenExpired', 'revoked', 'tooManyConnections', 'replaced'] as const;

/**
 * `closing`: pushed just before the server closes the connection (API Gateway closes with 1000 and
 * no reason, and browsers never see a refused handshake's status, so the reason travels in-band).
 * `retry: false`: reconnecting with the same credentials will not help.
 */
export const closingEventSchema = z.strictObject({ reason: z.enum(CLOSING_REASONS), retry: z.boolean() });
export type ClosingEvent = z.infer<typeof closingEventSchema>;

/** Every server event and the schema of its `data`. */
export const events = {
  /** A new item in the user's timeline, pushed to every connected device of the user. */
  message: timelineItemSchema,
  read: readEventSchema,
  typing: typingEventSchema,
  presence: presenceEventSchema,
  /** A new message in a large group, pushed to its online members. */
  groupMessage: messageSchema,
  /** A message of a large group changed (edit, recall, reaction): its new state, pushed to online members. */
  groupUpdate: messageSchema,
  delivered: deliveredEventSchema,
  closing: closingEventSchema,
  heartbeat: heartbeatEventSchema,
} as const;

export type EventName = keyof typeof events;

/** Every server event and its `data`. */
export type ServerEventMap = { [E in EventName]: z.infer<(typeof events)[E]> };
