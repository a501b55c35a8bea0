import type { Body, GroupRole, ReportReason, SystemEvent } from '@serverless-im/protocol';

/**
 * The events this backend puts on its EventBridge bus (docs/events.md is the contract). Every
 * detail carries `schemaVersion` and `eventId`: fields are only ever added within a schema
 * version, and `eventId` names the committed change, so a consumer can drop the rare duplicate.
 */
export const EVENT_SOURCE = 'serverless-im';
export const SCHEMA_VERSION = 1;

export const DETAIL_TYPES = ['message.sent', 'message.updated', 'group.changed', 'message.reported', 'user.erased'] as const;
export type DetailType = (typeof DETAIL_TYPES)[number];

interface Common {
  schemaVersion: typeof SCHEMA_VERSION;
  /** Stable per committed change: the same change always has the same id. */
  eventId: string;
  conversationId: string;
}

interface MessageFields extends Common {
  conversationKind: 'direct' | 'group';
  /** Direct conversations: the two members, sorted. */
  members?: [string, string];
  conversationSeq: number;
  msgId: string;
  from: string;
}

export interface MessageSentDetail extends MessageFields {
  ts: number;
  clientMsgId: string;
  bodyKind: Body['kind'];
  replyTo?: number;
  mentions?: string[];
  /** Groups: write (copied into members' timelines) or read fan-out (large groups). */
  delivery?: 'write' | 'read';
  /** Only with the deployment setting `eventBodies=true`. */
  body?: Body;
}

export interface MessageUpdatedDetail extends MessageFields {
  change: 'edited' | 'recalled';
  /** The message's version after the change (2 for the first change; reactions use versions too, so numbers can skip). */
  version: number;
  changedBy: string;
  changedAt: number;
  /** Edits: the new body's kind. */
  bodyKind?: Body['kind'];
  /** Edits, only with `eventBodies=true`: the new body. */
  body?: Body;
}

export interface GroupChangedDetail extends Common {
  /** The protocol's system item kinds (docs/protocol.md): membership, role and settings changes. */
  change: SystemEvent['event'];
  ts: number;
  by?: string;
  title?: string;
  /** The users the change is about, up to 100; bigger changes give `memberCount` instead. */
  members?: string[];
  memberCount?: number;
  largeSince?: number;
  /** `roleChanged`, `ownershipTransferred`: the role given. */
  role?: GroupRole;
  /** `groupUpdated`: the settings that changed. */
  onlyAdminsSend?: boolean;
  onlyAdminsAdd?: boolean;
}

/** A member reported a message (`report`): once per reporter and message. */
export interface MessageReportedDetail extends Common {
  conversationKind: 'direct' | 'group';
  members?: [string, string];
  conversationSeq: number;
  msgId: string;
  /** The reported message's sender. */
  author: string;
  reporter: string;
  reason: ReportReason;
  reportedAt: number;
}

/** `user.erased`: an erasure job finished (functions/erasure/). No conversation: it is about a user. */
export interface UserErasedDetail {
  schemaVersion: typeof SCHEMA_VERSION;
  eventId: string;
  userId: string;
  /** The deployment's `erasure` setting it ran with: what happened to the messages they sent. */
  mode: 'anonymize' | 'recall';
  startedAt: number;
  erasedAt: number;
}

export type OutgoingEvent =
  | { detailType: 'user.erased'; time: number; detail: UserErasedDetail }
  | { detailType: 'message.sent'; time: number; detail: MessageSentDetail }
  | { detailType: 'message.reported'; time: number; detail: MessageReportedDetail }
  | { detailType: 'message.updated'; time: number; detail: MessageUpdatedDetail }
  | { detailType: 'group.changed'; time: number; detail: GroupChangedDetail };

/** What the deployment allows into events. */
export interface EventSettings {
  includeBody: boolean;
}
