import type { HistoryResult, Message, SyncConversationResult } from '@serverless-im/protocol';
import { requireMember } from '../membership/require-member.js';
import { changesAfter, latestChangePosition, latestCseq, messagesAt, queryConversationAfter, queryHistory } from '../storage/conversations/index.js';
import { REPLY_ITEMS_BUDGET_BYTES, jsonBytes, withinBytes } from '../platform/reply-budget.js';
import { hiddenMessagesOf } from '../storage/hidden-messages.js';
import type { Storage } from '../storage/storage.js';
import { markDeletedForMe } from './deleted-for-me.js';

/**
 * How old a change log entry must be before a reader that finds its message not changed yet
 * skips it: the writer appends the entry, then writes the message, within one invocation, so past
 * the longest function timeout (plus margin) the change will never come (the writer died or lost
 * the race to a change that got the same version).
 */
export const ABANDONED_CHANGE_AFTER_MS = 30_000;

/** `history`: a conversation's messages before `before`, newest first, for members only; those the caller hid are marked `deletedForMe`. */
export async function history(storage: Storage, userId: string, conversationId: string, before: number | undefined, limit: number): Promise<HistoryResult> {
  await requireMember(storage, userId, conversationId);
  const [page, hidden] = await Promise.all([queryHistory(storage, conversationId, before, limit), hiddenMessagesOf(storage, userId, conversationId)]);
  const { items, cut } = withinBytes(markDeletedForMe(page.items, hidden));
  return { items, hasMore: page.hasMore || cut };
}

/**
 * The current state of every message changed at change positions after `after` (at most `limit`
 * entries), and the position the reader holds once it applied them. An entry whose message does
 * not show its version yet is a change being written: the page stops before it (like `sync` before
 * a seq being written), unless it is old enough to be abandoned.
 */
async function changedMessages(
  storage: Storage,
  conversationId: string,
  after: number,
  limit: number,
  now: number,
  hidden: Promise<ReadonlySet<number>>,
): Promise<{ changes: Message[]; changesUpTo: number }> {
  const entries = await changesAfter(storage, conversationId, after, limit);
  const targets = [...new Set(entries.map((entry) => entry.target))];
  const states = new Map<number, Message>();
  for (const message of await messagesAt(storage, targets.map((cseq) => ({ conversationId, cseq })), { consistent: true })) states.set(message.conversationSeq, message);
  const changed = new Map<number, Message>();
  let changesUpTo = after;
  // Changes share the reply with the page's messages: they get half of its byte budget.
  let bytes = 0;
  for (const entry of entries) {
    const state = states.get(entry.target);
    if (state && (state.version ?? 1) < entry.version && now - entry.ts < ABANDONED_CHANGE_AFTER_MS) break;
    if (state && !changed.has(entry.target)) {
      bytes += jsonBytes(state);
      if (bytes > REPLY_ITEMS_BUDGET_BYTES / 2 && changed.size > 0) break;
    }
    if (state) changed.set(entry.target, state);
    changesUpTo = entry.position;
  }
  return { changes: markDeletedForMe([...changed.values()], await hidden), changesUpTo };
}

/**
 * `syncConversation`: a conversation's messages after `after`, ascending and contiguous, for
 * members only, each in its current state; with `changesAfter`, also the messages changed since
 * that change position. `latestChange` is read before the messages, so a client that starts its
 * change cursor there misses no change to the messages it was given.
 */
export async function syncConversation(
  storage: Storage,
  userId: string,
  conversationId: string,
  after: number,
  limit: number,
  changesAfterPosition?: number,
  clock: () => number = Date.now,
): Promise<SyncConversationResult> {
  await requireMember(storage, userId, conversationId);
  const hidden = hiddenMessagesOf(storage, userId, conversationId);
  const latestChange = await latestChangePosition(storage, conversationId);
  const [page, latest, changes] = await Promise.all([
    queryConversationAfter(storage, conversationId, after, limit),
    latestCseq(storage, conversationId),
    changesAfterPosition === undefined ? undefined : changedMessages(storage, conversationId, changesAfterPosition, limit, clock(), hidden),
  ]);
  const { items } = withinBytes(markDeletedForMe(page, await hidden), changesAfterPosition === undefined ? undefined : REPLY_ITEMS_BUDGET_BYTES / 2);
  const last = items.at(-1)?.conversationSeq ?? after;
  return {
    items,
    latest: Math.max(latest, last),
    hasMore: last < latest,
    latestChange: Math.max(latestChange, changes?.changesUpTo ?? 0),
    ...(changes ?? {}),
  };
}
