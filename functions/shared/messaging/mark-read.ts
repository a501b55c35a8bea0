import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { readGroupHead } from '../groups/group-head.js';
import { effectiveReadUpTo, type GroupMembership, recordGroupRead } from '../groups/group-members.js';
import type { Pusher } from '../push/pusher.js';
import type { Storage } from '../storage/tables.js';
import { type ConversationRef, peerOf } from './conversation-id.js';
import { directReadState, readDirectHead, recordRead } from './direct-conversation-head.js';
import { listConversations } from './conversation-summaries.js';
import { requireMember } from './membership-check.js';
import { getMembership } from './membership-store.js';

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

/** The senders of a group's messages in (after, upTo], newest first, at most RECEIPT_SCAN_LIMIT messages. */
async function authorsBetween(storage: Storage, conversationId: string, after: number, upTo: number): Promise<string[]> {
  const result = await storage.db.send(
    new QueryCommand({
      TableName: storage.tables.conversations,
      KeyConditionExpression: 'conversationId = :c AND cseq BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':c': conversationId, ':from': Math.max(1, after + 1), ':to': upTo },
      ExpressionAttributeNames: { '#from': 'from' },
      ProjectionExpression: '#from',
      ScanIndexForward: false,
      Limit: RECEIPT_SCAN_LIMIT,
    }),
  );
  return [...new Set((result.Items ?? []).map((item) => String(item.from)))];
}

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
    const authors = (await authorsBetween(storage, conversation.id, before, upTo)).filter((author) => author !== reader);
    const event = { event: 'read', data: { conversationId: conversation.id, userId: reader, upTo } };
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
export async function markRead(deps: MarkReadDeps, input: MarkReadInput): Promise<{ unread: number; totalUnread: number }> {
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
  const list = await listConversations(storage, reader, { directHeads: new Map([[conversation.id, after]]) });
  const unread = list.items.find((item) => item.conversationId === conversation.id)?.unread ?? directReadState(after, conversation, reader).unread;
  return { unread, totalUnread: list.totalUnread };
}
