import { type ConversationRef, peerOf, type ReadResult } from '@serverless-im/protocol';
import { requireMemberRow } from '../membership/require-member.js';
import type { Pusher, ServerEvent } from '../push/pusher.js';
import { clearUnreadFlag } from '../storage/activity-index.js';
import { authorsBetween, type GroupHead, isBlocked, readDirectHead, readGroupHead, recordRead } from '../storage/conversations/index.js';
import { getMembership, type GroupMembership, type MembershipRecord, recordGroupRead } from '../storage/memberships.js';
import type { Storage } from '../storage/storage.js';
import { readTail } from './activity.js';
import { unreadElsewhere } from './conversation-list.js';
import { directReadState, effectiveReadUpTo, groupReadState, withDirectRead } from './read-state.js';

export interface MarkReadDeps {
  storage: Storage;
  pusher: Pusher;
}

export interface MarkReadInput {
  reader: { userId: string; connectionId: string };
  conversationId: string;
  upTo: number;
}

/** A group read tells the authors of the messages it covers, up to this many messages back. */
const RECEIPT_SCAN_LIMIT = 100;

const readEvent = (conversationId: string, userId: string, upTo: number): ServerEvent => ({ event: 'read', data: { conversationId, userId, upTo } });

async function markGroupRead(
  deps: MarkReadDeps,
  input: MarkReadInput,
  conversation: ConversationRef,
): Promise<{ upTo: number; advanced: boolean; head: GroupHead | undefined; row: GroupMembership | undefined }> {
  const { storage } = deps;
  const reader = input.reader.userId;
  const [membership, head] = await Promise.all([
    getMembership(storage, reader, conversation.id) as Promise<GroupMembership | undefined>,
    readGroupHead(storage, conversation.id, true),
  ]);
  const before = membership ? effectiveReadUpTo(membership) : 0;
  const upTo = Math.min(input.upTo, head?.lastCseq ?? 0);
  const advanced = upTo > before && (await recordGroupRead(storage, reader, conversation.id, upTo));
  if (advanced) {
    const authors = (await authorsBetween(storage, conversation.id, before, upTo, RECEIPT_SCAN_LIMIT)).filter((author) => author !== reader);
    const event = readEvent(conversation.id, reader, upTo);
    await Promise.all([
      deps.pusher.pushToUsers(authors, event),
      deps.pusher.pushToUsers([reader], event, { exceptConnectionId: input.reader.connectionId }),
    ]);
  }
  return { upTo: Math.max(upTo, before), advanced, head, row: membership };
}

/** What decides whether `read` takes the conversation out of the unread index: the row as read before the head. */
type IndexRow = (MembershipRecord & { unreadOf?: string; unreadGen?: number }) | undefined;

/**
 * After a read: the reply's counts, and the conversation out of the unread index when nothing is
 * left unread there (only if no catch-up flagged it since `row` was read: that flag is about a
 * message the head we read may not hold). `totalUnread` adds the other conversations that may have
 * unread (storage/activity-index.ts): the cost follows those, never the number of conversations.
 */
async function countsAfterRead(storage: Storage, reader: string, conversationId: string, unread: number, row: IndexRow): Promise<ReadResult> {
  const [elsewhere] = await Promise.all([
    readTail(storage, reader, Date.now()).then((tail) => unreadElsewhere(storage, reader, tail, new Set([conversationId]))),
    unread === 0 && row?.unreadOf !== undefined ? clearUnreadFlag(storage, reader, conversationId, Number(row.unreadGen ?? 0)) : undefined,
  ]);
  return { unread, totalUnread: unread + elsewhere };
}

/**
 * `read`: moves the reader's position up to `upTo` (never down, never past the last message) and
 * tells the reader's other devices and, in a direct conversation, the peer; in a group, the
 * authors of the messages just read. Answers with the counts after the change.
 */
export async function markRead(deps: MarkReadDeps, input: MarkReadInput): Promise<ReadResult> {
  const { storage } = deps;
  const reader = input.reader.userId;
  const { conversation, membership } = await requireMemberRow(storage, reader, input.conversationId);
  if (conversation.kind === 'group') {
    const { upTo, head, row } = await markGroupRead(deps, input, conversation);
    const unread = head && row ? groupReadState(head.lastCseq, row, upTo, head.recalled).unread : 0;
    return countsAfterRead(storage, reader, conversation.id, unread, membership);
  }

  // The row first: a flag raised after it was read stays (see countsAfterRead).
  const row = await getMembership(storage, reader, conversation.id);
  const head = await readDirectHead(storage, conversation.id, true);
  const before = directReadState(head, conversation, reader);
  const upTo = Math.min(input.upTo, before.latest);
  const advanced = upTo > before.readUpTo && (await recordRead(storage, conversation, reader, upTo));
  // The head we just changed may not be visible to an eventually consistent read yet: use ours.
  const after = advanced ? withDirectRead(head, conversation, reader, upTo) : head;
  if (advanced) {
    const event = readEvent(conversation.id, reader, upTo);
    // A block stops read receipts both ways: the reader's own devices are still told.
    const peers = isBlocked(head) ? [] : [peerOf(conversation, reader)];
    await Promise.all([
      deps.pusher.pushToUsers(peers, event),
      deps.pusher.pushToUsers([reader], event, { exceptConnectionId: input.reader.connectionId }),
    ]);
  }
  return countsAfterRead(storage, reader, conversation.id, directReadState(after, conversation, reader).unread, row);
}
