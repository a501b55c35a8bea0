import type { Pusher } from '../push/pusher.js';
import type { Storage } from '../storage/tables.js';
import { peerOf } from './conversation-id.js';
import { directReadState, readDirectHead, recordRead } from './direct-conversation-head.js';
import { listConversations } from './conversation-summaries.js';
import { requireMember } from './membership-check.js';

export interface MarkReadDeps {
  storage: Storage;
  pusher: Pusher;
}

export interface MarkReadInput {
  reader: { userId: string; connectionId: string };
  conversationId: string;
  upTo: number;
}

/**
 * `read`: moves the reader's position up to `upTo` (never down, never past the last message) and
 * tells the peer and the reader's other devices. Answers with the counts after the change.
 */
export async function markRead(deps: MarkReadDeps, input: MarkReadInput): Promise<{ unread: number; totalUnread: number }> {
  const { storage } = deps;
  const reader = input.reader.userId;
  const conversation = await requireMember(storage, reader, input.conversationId);
  if (conversation.kind !== 'direct') throw new Error('group read receipts are not implemented yet');

  const head = await readDirectHead(storage, conversation.id, true);
  const before = directReadState(head, conversation, reader);
  const upTo = Math.min(input.upTo, before.latest);
  const advanced = upTo > before.readUpTo && (await recordRead(storage, conversation, reader, upTo));
  const readKey = conversation.members[0] === reader ? 'readLo' : 'readHi';
  const after = advanced ? { ...head, [readKey]: upTo } : head;

  if (advanced) {
    const event = { event: 'read', data: { conversationId: conversation.id, userId: reader, upTo } };
    await Promise.all([
      deps.pusher.pushToUsers([peerOf(conversation, reader)], event),
      deps.pusher.pushToUsers([reader], event, { exceptConnectionId: input.reader.connectionId }),
    ]);
  }
  // The head we just changed may not be visible to an eventually consistent read yet: use ours.
  const list = await listConversations(storage, reader, new Map([[conversation.id, after]]));
  const unread = list.items.find((item) => item.conversationId === conversation.id)?.unread ?? directReadState(after, conversation, reader).unread;
  return { unread, totalUnread: list.totalUnread };
}
