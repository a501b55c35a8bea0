import { type GroupHead, groupHeadOf } from '../groups/group-head.js';
import { allGroupMembers, effectiveReadUpTo, type GroupMembership } from '../groups/group-members.js';
import { batchGetAll } from '../storage/batch.js';
import type { Storage } from '../storage/tables.js';
import { type ConversationRef, parseConversationId } from './conversation-id.js';
import { type DirectHead, directHeadOf, directReadState, emptyDirectHead } from './direct-conversation-head.js';
import type { Message } from './message.js';
import { fromMessageRecord, type MessageRecord } from './message-store.js';
import { listMemberships, type MembershipRecord } from './membership-store.js';

export interface ConversationSummary {
  conversationId: string;
  kind: 'direct' | 'group';
  peer?: string;
  title?: string;
  members?: string[];
  memberCount?: number;
  /** Large groups (read fan-out): catch up with `syncConversation` up to `latestSeq`. */
  large?: boolean;
  latestSeq?: number;
  lastMessage?: Message;
  unread: number;
  readUpTo: number;
}

export interface ConversationList {
  items: ConversationSummary[];
  totalUnread: number;
}

/** Read positions just written by the caller, which an eventually consistent read may not show yet. */
export interface FreshReads {
  directHeads?: Map<string, DirectHead>;
  groupReads?: Map<string, number>;
}

/** Groups up to this size list their members in `conversations`; bigger ones give `memberCount`. */
const LISTED_MEMBERS = 100;

const batchGet = (storage: Storage, keys: { conversationId: string; cseq: number }[]) => batchGetAll(storage.db, storage.tables.conversations, keys);

interface Entry {
  membership: MembershipRecord;
  ref: ConversationRef;
  summary: ConversationSummary;
  latest: number;
}

function directEntry(membership: MembershipRecord, ref: Extract<ConversationRef, { kind: 'direct' }>, head: DirectHead, userId: string): Entry {
  const state = directReadState(head, ref, userId);
  const summary: ConversationSummary = { conversationId: ref.id, kind: 'direct', unread: state.unread, readUpTo: state.readUpTo };
  if (membership.peer) summary.peer = membership.peer;
  return { membership, ref, summary, latest: state.latest };
}

function groupEntry(membership: MembershipRecord, ref: ConversationRef, head: GroupHead, freshRead: number | undefined): Entry {
  const row = membership as unknown as GroupMembership;
  const readUpTo = Math.min(head.lastCseq, Math.max(effectiveReadUpTo(row), freshRead ?? 0));
  const summary: ConversationSummary = {
    conversationId: ref.id,
    kind: 'group',
    title: head.title,
    memberCount: head.memberCount,
    unread: Math.max(0, head.lastCseq - readUpTo),
    readUpTo,
  };
  if (head.large) {
    summary.large = true;
    summary.latestSeq = head.lastCseq;
  }
  return { membership, ref, summary, latest: head.lastCseq };
}

/**
 * `conversations`: every conversation of the user with its unread count, read position and last
 * message. Unread is derived at read time (direct: from the conversation head; groups: the head's
 * last cseq against the member's own read position), and `totalUnread` is the sum of the very
 * numbers returned, so the two can never disagree.
 */
export async function listConversations(storage: Storage, userId: string, fresh: FreshReads = {}): Promise<ConversationList> {
  const memberships = await listMemberships(storage, userId);
  const refs = memberships.flatMap((membership) => {
    const ref = parseConversationId(membership.conversationId);
    return ref ? [{ membership, ref }] : [];
  });

  const heads = new Map<string, Record<string, unknown>>();
  for (const item of await batchGet(storage, refs.map(({ ref }) => ({ conversationId: ref.id, cseq: 0 })))) {
    heads.set(String(item.conversationId), item);
  }
  const entries: Entry[] = refs.flatMap(({ membership, ref }) => {
    const head = heads.get(ref.id);
    if (ref.kind === 'direct') {
      const direct = fresh.directHeads?.get(ref.id) ?? (head ? directHeadOf(head) : emptyDirectHead());
      return [directEntry(membership, ref, direct, userId)];
    }
    return head ? [groupEntry(membership, ref, groupHeadOf(head), fresh.groupReads?.get(ref.id))] : [];
  });

  const lastKeys = entries.filter((entry) => entry.latest > 0).map((entry) => ({ conversationId: entry.ref.id, cseq: entry.latest }));
  const lastMessages = new Map<string, Message>();
  for (const item of await batchGet(storage, lastKeys)) {
    const message = fromMessageRecord(item as unknown as MessageRecord);
    lastMessages.set(message.conversationId, message);
  }
  await Promise.all(
    entries
      .filter((entry) => entry.summary.kind === 'group' && !entry.summary.large && (entry.summary.memberCount ?? 0) <= LISTED_MEMBERS)
      .map(async (entry) => {
        entry.summary.members = (await allGroupMembers(storage, entry.ref.id)).map((member) => member.userId);
      }),
  );

  // Most recent activity first: the last message, or joining for a conversation without one.
  const activity = (entry: Entry): number => lastMessages.get(entry.ref.id)?.ts ?? entry.membership.joinedAt;
  const items = [...entries]
    .sort((a, b) => activity(b) - activity(a))
    .map((entry) => {
      const lastMessage = lastMessages.get(entry.ref.id);
      return lastMessage ? { ...entry.summary, lastMessage } : entry.summary;
    });
  return { items, totalUnread: items.reduce((sum, item) => sum + item.unread, 0) };
}

