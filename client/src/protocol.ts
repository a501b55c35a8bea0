/**
 * The wire contract (PROTOCOL.md v1 plus docs/protocol-notes.md) as TypeScript types: frames, data
 * shapes, the parameters and reply data of every action, and the server events.
 */

/** A message body: plain text (1..4000 chars) or a typed custom payload (at most 16 KB of JSON). */
export type Body = { kind: 'text'; text: string } | { kind: 'custom'; type: string; payload: unknown };

export interface Message {
  msgId: string;
  conversationId: string;
  /** Position inside the conversation, contiguous from 1. */
  conversationSeq: number;
  from: string;
  body: Body;
  /** Server time, epoch milliseconds. */
  ts: number;
  clientMsgId: string;
}

/**
 * An entry of the user's own timeline. `seq` is contiguous per user from 1. `type: "void"` is a
 * seq whose writer crashed: it carries nothing, but advances `lastSeq`.
 */
export interface TimelineItem {
  seq: number;
  type: 'message' | 'system' | 'void' | (string & {});
  message?: Message;
  system?: Record<string, unknown>;
}

/** A timeline item that carries a message. */
export interface MessageItem extends TimelineItem {
  type: 'message';
  message: Message;
}

export type ConversationKind = 'direct' | 'group';

/** One entry of the `conversations` reply. */
export interface ConversationSummary {
  conversationId: string;
  kind: ConversationKind;
  peer?: string;
  title?: string;
  members?: string[];
  lastMessage?: Message;
  unread: number;
  readUpTo: number;
  /** Large groups (read fan-out): caught up with `syncConversation`. */
  large?: boolean;
  /** Large groups: the conversation's latest conversationSeq. */
  latestSeq?: number;
}

export interface PresenceInfo {
  online: boolean;
  lastSeen: number | null;
}

// ---- Actions --------------------------------------------------------------------------------

/** Exactly one of `to` (direct message) or `conversationId`. */
export type Destination = { to: string; conversationId?: undefined } | { conversationId: string; to?: undefined };

export type SendParams = Destination & { clientMsgId: string; body: Body };

export interface SendResult {
  msgId: string;
  conversationId: string;
  conversationSeq: number;
  /** The sender's own timeline item for this message (absent for large groups, which have none). */
  seq?: number;
  ts: number;
}

export interface SyncParams {
  after: number;
  limit?: number;
}
export interface SyncResult {
  items: TimelineItem[];
  latest: number;
  hasMore: boolean;
}

export interface ConversationsResult {
  items: ConversationSummary[];
  totalUnread: number;
}

export interface HistoryParams {
  conversationId: string;
  before?: number;
  limit?: number;
}
export interface HistoryResult {
  /** Newest first. */
  items: Message[];
  hasMore: boolean;
}

export interface SyncConversationParams {
  conversationId: string;
  after: number;
  limit?: number;
}
export interface SyncConversationResult {
  /** Ascending and contiguous. */
  items: Message[];
  latest: number;
  hasMore: boolean;
}

export interface ReadParams {
  conversationId: string;
  upTo: number;
}
export interface ReadResult {
  unread: number;
  totalUnread: number;
}

/** Every action of protocol v1: its parameters and its reply `data`. */
export interface ActionMap {
  send: { params: SendParams; result: SendResult };
  sync: { params: SyncParams; result: SyncResult };
  conversations: { params: Record<string, never>; result: ConversationsResult };
  history: { params: HistoryParams; result: HistoryResult };
  syncConversation: { params: SyncConversationParams; result: SyncConversationResult };
  read: { params: ReadParams; result: ReadResult };
  createGroup: { params: { title: string; members: string[] }; result: { conversationId: string } };
  addMembers: { params: { conversationId: string; members: string[] }; result: { members: string[] } };
  removeMembers: { params: { conversationId: string; members: string[] }; result: { members: string[] } };
  leaveGroup: { params: { conversationId: string }; result: Record<string, never> };
  typing: { params: { conversationId: string }; result: Record<string, never> };
  presence: { params: { users: string[] }; result: { users: Record<string, PresenceInfo> } };
  ping: { params: Record<string, never>; result: { ts: number } };
}

export type ActionName = keyof ActionMap;

// ---- Events ---------------------------------------------------------------------------------

export interface ReadEvent {
  conversationId: string;
  userId: string;
  upTo: number;
}
export interface TypingEvent {
  conversationId: string;
  userId: string;
}
export interface PresenceEvent {
  userId: string;
  online: boolean;
}

/** Every server event of protocol v1 and its `data`. */
export interface ServerEventMap {
  message: TimelineItem;
  read: ReadEvent;
  typing: TypingEvent;
  presence: PresenceEvent;
  groupMessage: Message;
}

// ---- Frames ---------------------------------------------------------------------------------

export interface ErrorInfo {
  code: string;
  message: string;
}

export type ReplyFrame = { id: string | null; ok: true; data: unknown } | { id: string | null; ok: false; error: ErrorInfo };

export interface EventFrame {
  event: string;
  data: unknown;
}

export type IncomingFrame = { kind: 'reply'; frame: ReplyFrame } | { kind: 'event'; frame: EventFrame } | { kind: 'other'; frame: unknown };

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
    if (typeof record.ok === 'boolean' && ('id' in record)) {
      const id = typeof record.id === 'string' ? record.id : null;
      if (record.ok) return { kind: 'reply', frame: { id, ok: true, data: record.data } };
      const error = record.error as Partial<ErrorInfo> | undefined;
      return {
        kind: 'reply',
        frame: {
          id,
          ok: false,
          error: { code: typeof error?.code === 'string' ? error.code : 'INTERNAL', message: typeof error?.message === 'string' ? error.message : '' },
        },
      };
    }
  }
  return { kind: 'other', frame: value };
}

/** The direct conversation id both sides derive from their user ids (`dm:<lower>:<higher>`). */
export function directConversationId(a: string, b: string): string {
  return a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`;
}

/** What a conversation id says about itself: its kind and, for a direct one, its two members. */
export function describeConversationId(conversationId: string): { kind: ConversationKind; members?: [string, string] } {
  if (conversationId.startsWith('dm:')) {
    const parts = conversationId.split(':');
    if (parts.length === 3 && parts[1] && parts[2]) return { kind: 'direct', members: [parts[1], parts[2]] };
  }
  return { kind: 'group' };
}

export const isMessageItem = (item: TimelineItem): item is MessageItem => item.type === 'message' && item.message !== undefined;
