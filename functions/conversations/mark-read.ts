import { type ConversationRef, peerOf, type ReadResult } from '@serverless-im/protocol';
import { requireMember } from '../membership/require-member.js';
import type { Pusher, ServerEvent } from '../push/pusher.js';
import { authorsBetween, isBlocked, readDirectHead, readGroupHead, recordRead } from '../storage/conversations/index.js';
import { getMembership, type GroupMembership, recordGroupRead } from '../storage/memberships.js';
import type { Storage } from '../storage/storage.js';
import { listConversations } from './conversation-list.js';
import { directReadState, effectiveReadUpTo, withDirectRead } from './read-state.js';

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

async function markGroupRead(deps: MarkReadDeps, input: MarkReadInput, conversation: ConversationRef): Promise<{ upTo: number; advanced: boolean }> {
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
  return { upTo: Math.max(upTo, before), advanced };
}

/**
 * `read`: moves the reader's position up to `upTo` (never down, never past the last message) and
 * tells the reader's other devices and, in a direct conversation, the peer; in a group, the
 * authors of the messages just read. Answers with the counts after the change.
 */
export async function markRead(deps: MarkReadDeps, input: MarkReadInput): Promise<ReadResult> {
  const { storage } = deps;
  const reader = input.reader.userId;
  const conversation = await requireMember(storage, reader, input.conversationId);
  if (conversation.kind === 'group') {
    const { upTo } = await markGroupRead(deps, input, conversation);
    const list = await listConversations(storage, reader, { groupReads: new Map([[conversation.id, upTo]]) });
    return { unread: list.items.find((item) => item.conversationId === conversation.id)?.unread ?? 0, totalUnread: list.totalUnread };
  }

  const head = await readDirectHead(storage, conversation.id, true);
  const before = directReadState(head, conversation, reader);
  const upTo = Math.min(input.upTo, before.latest);
  const advanced = upTo > before.readUpTo && (await recordRead(storage, conversation, reader, upTo));
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
  // The head we just changed may not be visible to an eventually consistent read yet: use ours.
  const list = await listConversations(storage, reader, { directHeads: new Map([[conversation.id, after]]) });
  const unread = list.items.find((item) => item.conversationId === conversation.id)?.unread ?? directReadState(after, conversation, reader).unread;
  return { unread, totalUnread: list.totalUnread };
}
