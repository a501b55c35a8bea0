import type { Body, ConversationRef, Message, Reactions, SystemEvent } from '@serverless-im/protocol';

/**
 * The Conversations table, key `conversationId` + `cseq`. Item cseq 0 is the conversation's head
 * (a GroupHead or a DirectHead); items 1, 2, 3, ... are its messages, contiguous: a cseq exists
 * only once its message does.
 */
export const HEAD_CSEQ = 0;

export const headKey = (conversationId: string) => ({ conversationId, cseq: HEAD_CSEQ });

/**
 * A message as stored in its conversation. The stored message is the commit point of `send`: once
 * it exists, delivery can always be finished from it, which is why it records the timeline seqs
 * allocated for it.
 */
export interface MessageRecord {
  conversationId: string;
  cseq: number;
  msgId: string;
  from: string;
  /** Absent once recalled: the content is gone, not hidden. */
  body?: Body;
  ts: number;
  clientMsgId: string;
  replyTo?: number;
  mentions?: string[];
  /** The message's current state (edits, recall, reactions); `version` counts the changes + 1. */
  editedAt?: number;
  recalled?: true;
  reactions?: Reactions;
  version?: number;
  /**
   * The change that made `version` (absent until the first one): what, by whom, when. The
   * Conversations stream carries only new images, so this is how the event publisher tells an edit
   * from a reaction (functions/events/). Never shown to clients.
   */
  lastChange?: MessageChangeNote;
  /** The sender's timeline seq for this message (the `seq` of the send reply). */
  senderSeq?: number;
  /** Direct messages: the recipient's timeline seq. */
  recipientSeq?: number;
  /** Group messages: how this one is delivered, fixed when it is stored. */
  fanOut?: 'write' | 'read';
  /**
   * A recalled large-group message whose notifications are still to be withdrawn: set by the
   * recall (the commit point), so the Conversations stream hands it to the notification pipeline,
   * and removed by that pipeline once every recipient's withdraw job is queued
   * (notifications/expand-large-group.ts). Never shown to clients.
   */
  withdrawPending?: true;
  /** With `withdrawPending`: the user ids the message mentioned (whom it notified by default). Removed with it. */
  withdrawFrom?: string[];
}

/** How `lastChange` names a change. */
export type MessageChangeKind = 'edit' | 'recall' | 'react';

export interface MessageChangeNote {
  kind: MessageChangeKind;
  by: string;
  at: number;
}

export type MessageDraft = Omit<MessageRecord, 'cseq'>;

/** The message as clients see it, in its current state. */
export const fromMessageRecord = (record: MessageRecord): Message => ({
  msgId: record.msgId,
  conversationId: record.conversationId,
  conversationSeq: record.cseq,
  from: record.from,
  ...(record.body !== undefined && record.recalled !== true ? { body: record.body } : {}),
  ts: record.ts,
  clientMsgId: record.clientMsgId,
  ...(record.replyTo !== undefined ? { replyTo: record.replyTo } : {}),
  ...(record.mentions !== undefined && record.mentions.length > 0 ? { mentions: record.mentions } : {}),
  ...(record.editedAt !== undefined ? { editedAt: record.editedAt } : {}),
  ...(record.recalled === true ? { recalled: true as const } : {}),
  ...(record.reactions !== undefined && Object.keys(record.reactions).length > 0 ? { reactions: record.reactions } : {}),
  ...(record.version !== undefined && record.version > 1 ? { version: record.version } : {}),
});

/** A message's version: 1 until its first change. */
export const versionOf = (record: Pick<MessageRecord, 'version'>): number => record.version ?? 1;

/**
 * The conversation's change log lives at negative cseqs: change position `n` (1, 2, 3, ...) is
 * item `-n`. Every query of messages asks for `cseq >= 1`, so the log is invisible to them.
 */
export const changeLogCseq = (position: number): number => -position;

/** A change log entry: message `target` changed to `version`; readers fetch its current state. */
export interface ChangeRecord {
  conversationId: string;
  /** `changeLogCseq(position)`. */
  cseq: number;
  target: number;
  version: number;
  ts: number;
}

/**
 * The head of a group: what every member needs to know about the group. Per-member state (read
 * position, own last message) lives on the members' Memberships rows instead, so a message writes
 * this item once whatever the group's size.
 */
export interface GroupHead {
  conversationId: string;
  kind: 'group';
  title: string;
  owner: string;
  memberCount: number;
  /** Delivered by read fan-out (more members than the threshold at some point). */
  large: boolean;
  /** Highest cseq delivered by write fan-out; later ones are read fan-out (set when `large` turned on). */
  largeSince?: number;
  lastCseq: number;
  createdAt: number;
  /** cseqs of recalled messages: they no longer count as unread. */
  recalled?: ReadonlySet<number>;
  /** The group keeps a roster (`storage/group-roster.ts`): its members can be read strongly consistently. */
  roster?: true;
  /** Only the owner and admins may send (`updateGroup`); read with the head on every group send. */
  onlyAdminsSend?: true;
  /** Only the owner and admins may add members. */
  onlyAdminsAdd?: true;
  /** The last ownership transfer's system item, written with it: a retry after a crash announces it again (once). */
  ownerEvent?: PendingEvent;
  /** The last settings change's system item, likewise. */
  settingsEvent?: PendingEvent;
}

/**
 * A `system` item written in the same transaction as the change it announces. Announcing is
 * idempotent by `eventId` (delivery claims, FIFO deduplication), so a retry of the request that
 * finds its change already made announces this again and every member still gets it once.
 */
export interface PendingEvent {
  eventId: string;
  ts: number;
  system: SystemEvent;
}

const pendingEventOf = (value: unknown): PendingEvent | undefined => {
  const event = value as Partial<PendingEvent> | undefined;
  return event && typeof event.eventId === 'string' && event.system ? { eventId: event.eventId, ts: Number(event.ts ?? 0), system: event.system } : undefined;
};

/** A stored number set (the document client gives a Set), as a set of numbers. */
const numberSet = (value: unknown): ReadonlySet<number> | undefined =>
  value instanceof Set && value.size > 0 ? new Set([...value].map(Number)) : undefined;

/** The group head as stored. */
export const groupHeadOf = (item: Record<string, unknown>): GroupHead => ({
  conversationId: String(item.conversationId),
  kind: 'group',
  title: String(item.title ?? ''),
  owner: String(item.owner ?? ''),
  memberCount: Number(item.memberCount ?? 0),
  large: item.large === true,
  ...(item.largeSince !== undefined ? { largeSince: Number(item.largeSince) } : {}),
  lastCseq: Number(item.lastCseq ?? 0),
  createdAt: Number(item.createdAt ?? 0),
  ...(numberSet(item.recalled) ? { recalled: numberSet(item.recalled)! } : {}),
  ...(item.roster === true ? { roster: true } : {}),
  ...(item.onlyAdminsSend === true ? { onlyAdminsSend: true } : {}),
  ...(item.onlyAdminsAdd === true ? { onlyAdminsAdd: true } : {}),
  ...(pendingEventOf(item.ownerEvent) ? { ownerEvent: pendingEventOf(item.ownerEvent)! } : {}),
  ...(pendingEventOf(item.settingsEvent) ? { settingsEvent: pendingEventOf(item.settingsEvent)! } : {}),
});

/** Reads a stored pending event (a membership row's `roleEvent`). */
export const storedPendingEvent = pendingEventOf;

export type DirectConversation = Extract<ConversationRef, { kind: 'direct' }>;

/**
 * The head of a direct conversation. For each of the two members (`Lo`, `Hi`: the sorted user ids)
 * it keeps the cseq of their newest own message and how far they explicitly read. Everything about
 * unread follows from these four numbers (conversations/read-state.ts), so counts cannot drift:
 * there is no counter to keep in step.
 */
export interface DirectHead {
  ownLo: number;
  ownHi: number;
  readLo: number;
  readHi: number;
  /** How far each member has received (a device of theirs holds the conversation up to this cseq). */
  deliveredLo: number;
  deliveredHi: number;
  /** True once both members' Memberships rows exist. */
  listed: boolean;
  /** cseqs of recalled messages: they no longer count as unread. */
  recalled?: ReadonlySet<number>;
  /** Which of the two members block the other (`block`, storage/conversations/blocks.ts); absent when neither does. */
  blockedBy?: readonly string[];
}

/** True while either member of the direct conversation blocks the other. */
export const isBlocked = (head: Pick<DirectHead, 'blockedBy'>): boolean => (head.blockedBy?.length ?? 0) > 0;

/** True once the direct conversation has a message (its head may exist earlier, holding only a block). */
export const hasMessages = (head: Pick<DirectHead, 'ownLo' | 'ownHi'>): boolean => Math.max(head.ownLo, head.ownHi) > 0;

/** Which half of a direct head belongs to `userId`. */
export const sideOf = (conversation: { members: readonly [string, string] }, userId: string): 'Lo' | 'Hi' => (conversation.members[0] === userId ? 'Lo' : 'Hi');

export const emptyDirectHead = (): DirectHead => ({ ownLo: 0, ownHi: 0, readLo: 0, readHi: 0, deliveredLo: 0, deliveredHi: 0, listed: false });

/** The direct head as stored (any missing number is 0). */
export const directHeadOf = (item: Record<string, unknown> | undefined): DirectHead => ({
  ownLo: Number(item?.ownLo ?? 0),
  ownHi: Number(item?.ownHi ?? 0),
  readLo: Number(item?.readLo ?? 0),
  readHi: Number(item?.readHi ?? 0),
  deliveredLo: Number(item?.deliveredLo ?? 0),
  deliveredHi: Number(item?.deliveredHi ?? 0),
  listed: item?.listed === true,
  ...(numberSet(item?.recalled) ? { recalled: numberSet(item?.recalled)! } : {}),
  ...(item?.blockedBy instanceof Set && item.blockedBy.size > 0 ? { blockedBy: [...item.blockedBy].map(String) } : {}),
});
