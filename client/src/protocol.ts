/**
 * The wire contract as the SDK sees it: the types of `@serverless-im/protocol`, the one definition
 * of the wire format (the server validates with its schemas), plus what a client needs on top:
 * forward-compatible widenings (a newer server may add item types, fields, codes and events) and
 * a parser of incoming frames that never throws. Only types and a few tiny functions are imported
 * from the protocol package, so the SDK bundle carries no schema library.
 */
import type * as P from '@serverless-im/protocol';
import { parseConversationId } from '@serverless-im/protocol';

export { attachmentKindOf, directConversationId, isInlineContentType, REPORT_REASONS } from '@serverless-im/protocol';
export type {
  ActionName,
  ActionParams,
  ActionResult,
  AttachmentBody,
  AttachmentDownloadResult,
  AttachmentKind,
  AttachmentUploadResult,
  Body,
  ClosingEvent,
  ConversationKind,
  ConversationsResult,
  ConversationSummary,
  CreateGroupResult,
  DeleteForMeResult,
  DeletedForMe,
  DeliveredEvent,
  Destination,
  ErrorCode,
  ErrorReason,
  HistoryResult,
  MembersChangedResult,
  MembershipEvent,
  Message,
  MuteResult,
  PushPlatform,
  MessageChangeResult,
  Reactions,
  PresenceEvent,
  PresenceInfo,
  ReadEvent,
  ReadReceiptsResult,
  ReadResult,
  ReportReason,
  SendParams,
  SendResult,
  SyncConversationResult,
  SystemEvent,
  TypingEvent,
} from '@serverless-im/protocol';

/**
 * An entry of the user's own timeline. `seq` is contiguous per user from 1. `type: "void"` is a
 * seq whose writer crashed: it carries nothing, but advances `lastSeq`. A newer server may add
 * item types and `system` fields, which this SDK passes on untouched.
 */
export interface TimelineItem extends Omit<P.TimelineItem, 'type' | 'system'> {
  type: P.TimelineItem['type'] | (string & {});
  system?: P.SystemEvent & Record<string, unknown>;
}

/** A timeline item that carries a message. */
export interface MessageItem extends TimelineItem {
  type: 'message';
  message: P.Message;
}

export interface SyncResult extends Omit<P.SyncResult, 'items'> {
  items: TimelineItem[];
}

/** Every action: its parameters and its reply `data`. */
export type ActionMap = Omit<P.ActionMap, 'sync'> & { sync: { params: P.ActionParams<'sync'>; result: SyncResult } };

/** Every server event and its `data`. */
export type ServerEventMap = Omit<P.ServerEventMap, 'message'> & { message: TimelineItem };

// ---- Frames ---------------------------------------------------------------------------------

/**
 * The `error` of an error reply as received: `code` and `reason` are strings because a newer
 * server may send ones this SDK does not know (see errors.ts for how they map).
 */
export interface ErrorInfo {
  code: string;
  message: string;
  reason?: string;
  retryAfterMs?: number;
}

export type ReplyFrame = { id: string | null; ok: true; data: unknown } | { id: string | null; ok: false; error: ErrorInfo };

export interface EventFrame {
  event: string;
  data: unknown;
}

export type IncomingFrame = { kind: 'reply'; frame: ReplyFrame } | { kind: 'event'; frame: EventFrame } | { kind: 'other'; frame: unknown };

function errorInfoOf(value: unknown): ErrorInfo {
  const error = (value ?? {}) as Record<string, unknown>;
  const info: ErrorInfo = { code: typeof error.code === 'string' ? error.code : 'INTERNAL', message: typeof error.message === 'string' ? error.message : '' };
  if (typeof error.reason === 'string') info.reason = error.reason;
  if (typeof error.retryAfterMs === 'number' && Number.isFinite(error.retryAfterMs) && error.retryAfterMs >= 0) info.retryAfterMs = error.retryAfterMs;
  return info;
}

/** Parses one text frame from the server. Never throws. */
export function parseFrame(text: string): IncomingFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'other', frame: text };
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    if (typeof record.event === 'string') return { kind: 'event', frame: { event: record.event, data: record.data } };
    if (typeof record.ok === 'boolean' && 'id' in record) {
      const id = typeof record.id === 'string' ? record.id : null;
      if (record.ok) return { kind: 'reply', frame: { id, ok: true, data: record.data } };
      return { kind: 'reply', frame: { id, ok: false, error: errorInfoOf(record.error) } };
    }
  }
  return { kind: 'other', frame: value };
}

/** What a conversation id says about itself: its kind and, for a direct one, its two members. */
export function describeConversationId(conversationId: string): { kind: P.ConversationKind; members?: [string, string] } {
  const ref = parseConversationId(conversationId);
  return ref?.kind === 'direct' ? { kind: 'direct', members: ref.members } : { kind: 'group' };
}

export const isMessageItem = (item: TimelineItem): item is MessageItem => item.type === 'message' && item.message !== undefined;
