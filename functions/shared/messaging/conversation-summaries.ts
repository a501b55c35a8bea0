import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { Storage } from '../storage/tables.js';
import { type ConversationRef, parseConversationId } from './conversation-id.js';
import { type DirectHead, directReadState, emptyDirectHead } from './direct-conversation-head.js';
import type { Message } from './message.js';
import { fromMessageRecord, type MessageRecord } from './message-store.js';
import { listMemberships } from './membership-store.js';

export interface ConversationSummary {
  conversationId: string;
  kind: 'direct' | 'group';
  peer?: string;
  title?: string;
  members?: string[];
  lastMessage?: Message;
  unread: number;
  readUpTo: number;
}

export interface ConversationList {
  items: ConversationSummary[];
  totalUnread: number;
}

type Key = { conversationId: string; cseq: number };

async function batchGet(storage: Storage, keys: Key[]): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  let pending = keys;
  while (pending.length > 0) {
    const batch = pending.slice(0, 100);
    pending = pending.slice(100);
    const result = await storage.db.send(new BatchGetCommand({ RequestItems: { [storage.tables.conversations]: { Keys: batch } } }));
    found.push(...(result.Responses?.[storage.tables.conversations] ?? []));
    const unprocessed = result.UnprocessedKeys?.[storage.tables.conversations]?.Keys as Key[] | undefined;
    if (unprocessed?.length) pending = [...pending, ...unprocessed];
  }
  return found;
}

/**
 * `conversations`: every conversation of the user with its unread count, read position and last
 * message. Unread is derived from each conversation's head at read time and `totalUnread` is the
 * sum of the very numbers returned, so the two can never disagree. Costs one query plus two batch
 * reads per 100 conversations.
 */
export async function listConversations(storage: Storage, userId: string, overrides: Map<string, DirectHead> = new Map()): Promise<ConversationList> {
  const memberships = await listMemberships(storage, userId);
  const refs = memberships
    .map((membership) => ({ membership, ref: parseConversationId(membership.conversationId) }))
    .filter((entry): entry is { membership: typeof entry.membership; ref: ConversationRef } => entry.ref !== undefined);

  const heads = new Map<string, DirectHead>();
  for (const item of await batchGet(storage, refs.map(({ ref }) => ({ conversationId: ref.id, cseq: 0 })))) {
    heads.set(String(item.conversationId), {
      ownLo: Number(item.ownLo ?? 0),
      ownHi: Number(item.ownHi ?? 0),
      readLo: Number(item.readLo ?? 0),
      readHi: Number(item.readHi ?? 0),
      listed: item.listed === true,
    });
  }
  for (const [conversationId, head] of overrides) heads.set(conversationId, head);

  const states = refs.flatMap(({ membership, ref }) => {
    if (ref.kind !== 'direct') return [];
    const state = directReadState(heads.get(ref.id) ?? emptyDirectHead(), ref, userId);
    return [{ membership, ref, state }];
  });
  const lastMessages = new Map<string, Message>();
  const lastKeys = states.filter(({ state }) => state.latest > 0).map(({ ref, state }) => ({ conversationId: ref.id, cseq: state.latest }));
  for (const item of await batchGet(storage, lastKeys)) {
    const message = fromMessageRecord(item as unknown as MessageRecord);
    lastMessages.set(message.conversationId, message);
  }

  const items: ConversationSummary[] = states.map(({ membership, ref, state }) => {
    const summary: ConversationSummary = { conversationId: ref.id, kind: 'direct', unread: state.unread, readUpTo: state.readUpTo };
    if (membership.peer) summary.peer = membership.peer;
    const lastMessage = lastMessages.get(ref.id);
    if (lastMessage) summary.lastMessage = lastMessage;
    return summary;
  });
  items.sort((a, b) => (b.lastMessage?.ts ?? 0) - (a.lastMessage?.ts ?? 0));
  return { items, totalUnread: items.reduce((sum, item) => sum + item.unread, 0) };
}
