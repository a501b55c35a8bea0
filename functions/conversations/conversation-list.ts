import { type ConversationRef, type ConversationSummary, type ConversationsResult, type Message, parseConversationId } from '@serverless-im/protocol';
import { BadRequestError } from '../errors/request-errors.js';
import { REPLY_ITEMS_BUDGET_BYTES, jsonBytes } from '../platform/reply-budget.js';
import { type ActivityCursor, conversationsByActivity, flaggedUnread, membershipRows, raiseActivity } from '../storage/activity-index.js';
import { blockedUsersOf, isBlocked, type DirectHead, directHeadOf, emptyDirectHead, type GroupHead, groupHeadOf, headsOf, messagesAt } from '../storage/conversations/index.js';
import { allGroupMembers, type GroupMembership, type MembershipRecord, roleOf } from '../storage/memberships.js';
import type { Storage } from '../storage/storage.js';
import { applyTail, readTail, type Tail } from './activity.js';
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

/** Page sizes of `conversations`; without `limit`, as many as fit in one reply (what v1 clients get). */
const PAGE_CHUNK = 100;

export interface PageRequest {
  limit?: number;
  cursor?: string;
}

interface DecodedCursor extends ActivityCursor {}

export const encodeCursor = (cursor: ActivityCursor): string => Buffer.from(JSON.stringify({ a: cursor.activity, i: cursor.ids }), 'utf8').toString('base64url');

export function decodeCursor(text: string): DecodedCursor {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { a?: unknown; i?: unknown };
    if (typeof value.a === 'number' && Number.isSafeInteger(value.a) && Array.isArray(value.i) && value.i.length <= PAGE_CHUNK && value.i.every((id) => typeof id === 'string')) {
      return { activity: value.a, ids: value.i as string[] };
    }
  } catch {
    // falls through to the refusal
  }
  throw new BadRequestError('cursor is not one this server gave', { reason: 'invalidField' });
}

/**
 * `conversations`: one page of the list below and the users the caller blocks (one GetItem of
 * their block list, read alongside it).
 */
export async function conversationsOf(storage: Storage, userId: string, page: PageRequest = {}, now = Date.now()): Promise<ConversationsResult> {
  const [list, blocked] = await Promise.all([listConversations(storage, userId, page, now), blockedUsersOf(storage, userId)]);
  return { ...list, blocked };
}

/** The rows and heads the list reads, fetched once per call. */
class Reads {
  readonly rows = new Map<string, MembershipRecord | undefined>();
  readonly heads = new Map<string, Record<string, unknown> | undefined>();
  constructor(private readonly storage: Storage, private readonly userId: string) {}

  async load(conversationIds: readonly string[]): Promise<void> {
    const rowIds = conversationIds.filter((id) => !this.rows.has(id));
    const headIds = conversationIds.filter((id) => !this.heads.has(id));
    const [rows, heads] = await Promise.all([membershipRows(this.storage, this.userId, rowIds), headsOf(this.storage, headIds)]);
    for (const id of rowIds) this.rows.set(id, rows.get(id));
    for (const id of headIds) this.heads.set(id, heads.get(id));
  }

  async loadHeads(conversationIds: readonly string[]): Promise<void> {
    const headIds = conversationIds.filter((id) => !this.heads.has(id));
    const heads = await headsOf(this.storage, headIds);
    for (const id of headIds) this.heads.set(id, heads.get(id));
  }
}

function entryOf(reads: Reads, conversationId: string, userId: string, fresh: FreshReads): Entry | undefined {
  const membership = reads.rows.get(conversationId);
  const ref = parseConversationId(conversationId);
  if (!membership || !ref) return undefined;
  const head = reads.heads.get(conversationId);
  if (ref.kind === 'direct') {
    const direct = fresh.directHeads?.get(ref.id) ?? (head ? directHeadOf(head) : emptyDirectHead());
    return directEntry(membership, ref, direct, userId);
  }
  return head ? groupEntry(membership, ref, groupHeadOf(head), fresh.groupReads?.get(ref.id)) : undefined;
}

/**
 * The unread of every conversation that may have some besides `known` (whose unread the caller
 * has): those flagged in `byUnread` (large groups always) and those the unapplied timeline tail
 * brings a message from someone else to. Costs the flagged conversations, never the others.
 */
export async function unreadElsewhere(storage: Storage, userId: string, tail: Tail, known: ReadonlySet<string>, reads = new Reads(storage, userId), fresh: FreshReads = {}): Promise<number> {
  const flagged = await flaggedUnread(storage, userId);
  const ids = [...new Set([...flagged, ...[...tail.touched].filter(([, touched]) => touched.fromOthers).map(([id]) => id)])].filter((id) => !known.has(id));
  // A direct conversation's unread is on its head alone; a group's also needs the member's row.
  const groups = ids.filter((id) => parseConversationId(id)?.kind === 'group');
  await Promise.all([reads.load(groups), reads.loadHeads(ids)]);
  return ids.reduce((sum, id) => {
    const ref = parseConversationId(id);
    if (ref?.kind !== 'direct') return sum + (entryOf(reads, id, userId, fresh)?.summary.unread ?? 0);
    const head = reads.heads.get(id);
    return sum + (head !== undefined ? directReadState(directHeadOf(head), ref, userId).unread : 0);
  }, 0);
}

/** Large groups write no timeline items: their rows' `activity` follows their newest message, read at each first page. */
async function raiseLargeGroups(storage: Storage, userId: string, reads: Reads, flagged: readonly string[]): Promise<Map<string, number>> {
  await reads.load(flagged);
  const large = flagged.filter((id) => (reads.rows.get(id) as Partial<GroupMembership> | undefined)?.large === true);
  const keys = large.flatMap((id) => {
    const head = reads.heads.get(id);
    const lastCseq = head ? groupHeadOf(head).lastCseq : 0;
    return lastCseq > 0 ? [{ conversationId: id, cseq: lastCseq }] : [];
  });
  const raised = new Map<string, number>();
  for (const message of await messagesAt(storage, keys)) {
    const row = reads.rows.get(message.conversationId) as (MembershipRecord & { activity?: number }) | undefined;
    if ((row?.activity ?? 0) < message.ts) raised.set(message.conversationId, message.ts);
  }
  await Promise.all([...raised].map(([id, ts]) => raiseActivity(storage, userId, id, ts, false)));
  return raised;
}

/**
 * One page of the user's conversations, newest activity first, with unread counts, read positions
 * and last messages. Unread is derived at read time (direct: from the conversation head; groups:
 * the head's last cseq against the member's own read position). `totalUnread` is the user's total
 * over all their conversations: the sum of the very numbers returned plus those of the
 * conversations flagged as possibly unread outside the page, so the two can never disagree when
 * the page holds everything.
 *
 * A first page (no cursor) first applies the user's timeline to the activity index (activity.ts);
 * later pages read the index from the cursor down, as it is then (see docs/protocol.md for what a
 * conversation whose activity moves during paging does).
 */
export async function listConversations(storage: Storage, userId: string, page: PageRequest = {}, now = Date.now()): Promise<Omit<ConversationsResult, 'blocked'>> {
  const reads = new Reads(storage, userId);
  let cursor = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  let tail: Tail = { from: 0, upTo: 0, touched: new Map() };
  /** Activity just found (timeline tail, large groups), which an eventually consistent index may not show yet. */
  const known = new Map<string, number>();
  if (!cursor) {
    const [readTailResult, flagged] = await Promise.all([readTail(storage, userId, now), flaggedUnread(storage, userId)]);
    tail = readTailResult;
    const [large] = await Promise.all([raiseLargeGroups(storage, userId, reads, flagged), applyTail(storage, userId, tail)]);
    for (const [id, touched] of tail.touched) known.set(id, touched.ts);
    for (const [id, ts] of large) known.set(id, ts);
  }

  const items: ConversationSummary[] = [];
  const returned = new Set<string>();
  let bytes = 0;
  let more = true;
  let cut = false;
  let last: ActivityCursor | undefined;
  while (more && !cut && (page.limit === undefined || items.length < page.limit)) {
    const want = Math.min(PAGE_CHUNK, (page.limit ?? Number.MAX_SAFE_INTEGER) - items.length);
    const chunk = await conversationsByActivity(storage, userId, want, cursor);
    more = chunk.more;
    let rows = chunk.rows.filter((row) => !returned.has(row.conversationId));
    if (items.length === 0 && page.cursor === undefined) {
      // The first page: what the index may not show yet moves in, in its place.
      const present = new Set(rows.map((row) => row.conversationId));
      const moved = [...known].filter(([id]) => !present.has(id)).map(([conversationId, activity]) => ({ conversationId, activity }));
      const merged = [...rows.map((row) => ({ ...row, activity: Math.max(row.activity, known.get(row.conversationId) ?? 0) })), ...moved]
        .filter((row) => !more || row.activity >= (chunk.rows.at(-1)?.activity ?? 0))
        .sort((a, b) => b.activity - a.activity);
      // What the merge pushes past the page comes on the next one.
      if (merged.length > want) more = true;
      rows = merged.slice(0, want);
    }
    if (rows.length === 0) break;
    const summaries = await summariesOf(storage, userId, reads, rows.map((row) => row.conversationId), now);
    for (const row of rows) {
      const summary = summaries.get(row.conversationId);
      returned.add(row.conversationId);
      if (summary) {
        bytes += jsonBytes(summary) + 1;
        if (bytes > REPLY_ITEMS_BUDGET_BYTES && items.length > 0) {
          cut = true;
          break;
        }
        items.push(summary);
      }
      last = !last || last.activity !== row.activity ? { activity: row.activity, ids: [row.conversationId] } : { activity: row.activity, ids: [...last.ids, row.conversationId] };
    }
    cursor = last;
    if (rows.length < want && !more) break;
  }
  const hasMore = cut || more;
  const pageUnread = items.reduce((sum, item) => sum + item.unread, 0);
  // A reply that holds every conversation totals its own items; any other adds the rest.
  const everything = !hasMore && page.cursor === undefined;
  const totalUnread = everything ? pageUnread : pageUnread + (await unreadElsewhere(storage, userId, tail, returned, reads));
  return { items, totalUnread, hasMore, ...(hasMore && last ? { cursor: encodeCursor(last) } : {}) };
}

/** The summaries of these conversations of the user (those they are still in). */
async function summariesOf(storage: Storage, userId: string, reads: Reads, conversationIds: readonly string[], now: number): Promise<Map<string, ConversationSummary>> {
  await reads.load(conversationIds);
  const entries = conversationIds.flatMap((id) => {
    const entry = entryOf(reads, id, userId, {});
    return entry ? [entry] : [];
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

  const summaries = new Map<string, ConversationSummary>();
  for (const entry of entries) {
    const lastMessage = lastMessages.get(entry.ref.id);
    const { mutedUntil } = entry.membership;
    const summary = mutedUntil !== undefined && mutedUntil > now ? { ...entry.summary, mutedUntil: Number(mutedUntil) } : entry.summary;
    summaries.set(entry.ref.id, lastMessage ? { ...summary, lastMessage } : summary);
  }
  return summaries;
}
