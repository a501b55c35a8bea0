import { type ConversationRef, type ConversationSummary, type ConversationsResult, type Message, parseConversationId } from '@serverless-im/protocol';
import { blockedUsersOf, isBlocked, type DirectHead, directHeadOf, emptyDirectHead, type GroupHead, groupHeadOf, headsOf, messagesAt } from '../storage/conversations/index.js';
import { allGroupMembers, type GroupMembership, listMemberships, type MembershipRecord, roleOf } from '../storage/memberships.js';
import type { Storage } from '../storage/storage.js';
import { asDeletedForMe } from './deleted-for-me.js';
import { directDeliveredUpTo, directReadState, groupReadState } from './read-state.js';

/** Read positions just written by the caller, which an eventually consistent read may not show yet. */
export interface FreshReads {
  directHeads?: Map<string, DirectHead>;
  groupReads?: Map<string, number>;
}

/** Groups up to this size list their members in `conversations`; bigger ones give `memberCount`. */
const LISTED_MEMBERS = 100;

interface Entry {
  membership: MembershipRecord;
  ref: ConversationRef;
  summary: ConversationSummary;
  latest: number;
}

function directEntry(membership: MembershipRecord, ref: Extract<ConversationRef, { kind: 'direct' }>, head: DirectHead, userId: string): Entry {
  const state = directReadState(head, ref, userId);
  const summary: ConversationSummary = {
    conversationId: ref.id,
    kind: 'direct',
    unread: state.unread,
    readUpTo: state.readUpTo,
    // While a block stands the peer's position is not reported (receipts stop both ways).
    deliveredUpTo: isBlocked(head) ? 0 : directDeliveredUpTo(head, ref, userId),
  };
  if (membership.peer) summary.peer = membership.peer;
  return { membership, ref, summary, latest: state.latest };
}

function groupEntry(membership: MembershipRecord, ref: ConversationRef, head: GroupHead, freshRead: number | undefined): Entry {
  const state = groupReadState(head.lastCseq, membership as GroupMembership, freshRead, head.recalled);
  const summary: ConversationSummary = {
    conversationId: ref.id,
    kind: 'group',
    title: head.title,
    memberCount: head.memberCount,
    role: roleOf((membership as GroupMembership).role),
    owner: head.owner,
    onlyAdminsSend: head.onlyAdminsSend === true,
    onlyAdminsAdd: head.onlyAdminsAdd === true,
    unread: state.unread,
    readUpTo: state.readUpTo,
  };
  if (head.large) {
    summary.large = true;
    summary.latestSeq = head.lastCseq;
  }
  return { membership, ref, summary, latest: head.lastCseq };
}

/**
 * `conversations`: the list below and the users the caller blocks (one GetItem of their block
 * list, read alongside it).
 */
export async function conversationsOf(storage: Storage, userId: string): Promise<ConversationsResult> {
  const [list, blocked] = await Promise.all([listConversations(storage, userId), blockedUsersOf(storage, userId)]);
  return { ...list, blocked };
}

/**
 * Every conversation of the user with its unread count, read position and last
 * message. Unread is derived at read time (direct: from the conversation head; groups: the head's
 * last cseq against the member's own read position), and `totalUnread` is the sum of the very
 * numbers returned, so the two can never disagree.
 */
export async function listConversations(storage: Storage, userId: string, fresh: FreshReads = {}, now = Date.now()): Promise<Omit<ConversationsResult, 'blocked'>> {
  const memberships = await listMemberships(storage, userId);
  const refs = memberships.flatMap((membership) => {
    const ref = parseConversationId(membership.conversationId);
    return ref ? [{ membership, ref }] : [];
  });

  const heads = await headsOf(storage, refs.map(({ ref }) => ref.id));
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
  for (const message of await messagesAt(storage, lastKeys)) lastMessages.set(message.conversationId, message);
  // A last message the user hid for themselves shows as hidden, as `history` shows it to them:
  // hidden cseqs are existing ones, so the newest is hidden exactly when it is the highest hidden.
  for (const entry of entries) {
    const last = lastMessages.get(entry.ref.id);
    if (last && entry.membership.hiddenMax === last.conversationSeq) lastMessages.set(entry.ref.id, asDeletedForMe(last));
  }
  await Promise.all(
    entries
      .filter((entry) => entry.summary.kind === 'group' && !entry.summary.large && (entry.summary.memberCount ?? 0) <= LISTED_MEMBERS)
      .map(async (entry) => {
        const members = await allGroupMembers(storage, entry.ref.id);
        entry.summary.members = members.map((member) => member.userId);
        // From the same query (the index projects `role`): the member list shows role badges.
        entry.summary.admins = members.filter((member) => member.role === 'admin').map((member) => member.userId);
      }),
  );

  // Most recent activity first: the last message, or joining for a conversation without one.
  const activity = (entry: Entry): number => lastMessages.get(entry.ref.id)?.ts ?? entry.membership.joinedAt;
  const items = [...entries]
    .sort((a, b) => activity(b) - activity(a))
    .map((entry) => {
      const lastMessage = lastMessages.get(entry.ref.id);
      const { mutedUntil } = entry.membership;
      const summary = mutedUntil !== undefined && mutedUntil > now ? { ...entry.summary, mutedUntil: Number(mutedUntil) } : entry.summary;
      return lastMessage ? { ...summary, lastMessage } : summary;
    });
  return { items, totalUnread: items.reduce((sum, item) => sum + item.unread, 0) };
}
