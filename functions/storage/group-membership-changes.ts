import { headKey } from './conversations/records.js';
import { memberCountTransactItem } from './conversations/group-heads.js';
import { type GroupMembership, joinTransactItem, leaveTransactItem } from './memberships.js';
import type { Storage } from './storage.js';
import { MAX_TRANSACTION_ITEMS, type TransactItem, writeTransaction } from './transactions.js';

/**
 * Membership rows (Memberships table) and the group's member count (its head in Conversations)
 * change together, in one transaction per chunk of users: a row is added only if absent and
 * removed only if present, and the count moves by exactly the rows that changed. Two devices
 * adding (or removing) the same user at once therefore count them once, and each call learns
 * which users it changed itself, so each real change is announced once.
 */

/** Users per transaction: the head's count update takes the last item. */
const USERS_PER_TRANSACTION = MAX_TRANSACTION_ITEMS - 1;

export type JoinOutcome = { joined: string[] } | { full: true; joined: string[] };

/**
 * Adds the rows of users who are not members yet, within `max` members. Users who already are
 * (or became so concurrently) are left out of `joined`; `full` when the limit refused the rest.
 */
export async function joinGroupExactly(storage: Storage, conversationId: string, rows: readonly GroupMembership[], max: number): Promise<JoinOutcome> {
  const joined: string[] = [];
  for (let start = 0; start < rows.length; start += USERS_PER_TRANSACTION) {
    let candidates = rows.slice(start, start + USERS_PER_TRANSACTION);
    while (candidates.length > 0) {
      const items: TransactItem[] = [...candidates.map((row) => joinTransactItem(storage, row)), memberCountTransactItem(storage, conversationId, candidates.length, max)];
      const outcome = await writeTransaction(storage, items);
      if (outcome.applied) {
        joined.push(...candidates.map((row) => row.userId));
        break;
      }
      const present = new Set(outcome.failedConditions.filter((index) => index < candidates.length));
      // Only the count refused: these users are all new, and there is no room for them.
      if (present.size === 0) return { full: true, joined };
      candidates = candidates.filter((_, index) => !present.has(index));
    }
  }
  return { joined };
}

/** Removes the rows of users who are members; those who are not (or left concurrently) are left out of `left`. */
export async function leaveGroupExactly(storage: Storage, conversationId: string, userIds: readonly string[]): Promise<{ left: string[] }> {
  const left: string[] = [];
  const unique = [...new Set(userIds)];
  for (let start = 0; start < unique.length; start += USERS_PER_TRANSACTION) {
    let candidates = unique.slice(start, start + USERS_PER_TRANSACTION);
    while (candidates.length > 0) {
      const items = [...candidates.map((userId) => leaveTransactItem(storage, userId, conversationId)), memberCountTransactItem(storage, conversationId, -candidates.length, 0)];
      const outcome = await writeTransaction(storage, items);
      if (outcome.applied) {
        left.push(...candidates);
        break;
      }
      const absent = new Set(outcome.failedConditions.filter((index) => index < candidates.length));
      if (absent.size === 0) throw new Error(`group ${headKey(conversationId).conversationId} has no head`);
      candidates = candidates.filter((_, index) => !absent.has(index));
    }
  }
  return { left };
}
