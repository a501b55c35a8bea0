import { memberCountTransactItem } from './conversations/group-heads.js';
import { type GroupMembership, joinTransactItem, leaveTransactItem } from './memberships.js';
import { UnexpectedStorageStateError } from './errors.js';
import { rosterJoinTransactItem, rosterLeaveTransactItem } from './group-roster.js';
import type { Storage } from './storage.js';
import { MAX_TRANSACTION_ITEMS, type TransactItem, writeTransaction } from './transactions.js';

/**
 * Membership rows (Memberships table), the group's roster entries (`group-roster.ts`) and the
 * group's member count (its head in Conversations) change together, in one transaction per chunk
 * of users: a row is added only if absent and
 * removed only if present, and the count moves by exactly the rows that changed. Two devices
 * adding (or removing) the same user at once therefore count them once, and each call learns
 * which users it changed itself, so each real change is announced once.
 */

/** Items per user: their row (the conditional one, first) and their roster entry. */
const ITEMS_PER_USER = 2;
/** Users per transaction: the head's count update takes the last item. */
const USERS_PER_TRANSACTION = Math.floor((MAX_TRANSACTION_ITEMS - 1) / ITEMS_PER_USER);

/**
 * Applies one conditional row write per candidate together with the count change for those that
 * apply, chunk by chunk. A candidate whose condition fails (already a member, no longer one) is
 * dropped and the rest retried; `countRefused` when only the count's condition failed.
 */
async function changeRowsExactly<T>(
  storage: Storage,
  candidates: readonly T[],
  rowItems: (candidate: T) => [conditional: TransactItem, roster: TransactItem],
  countItem: (changed: number) => TransactItem,
): Promise<{ changed: T[]; countRefused: boolean }> {
  const changed: T[] = [];
  for (let start = 0; start < candidates.length; start += USERS_PER_TRANSACTION) {
    let chunk = candidates.slice(start, start + USERS_PER_TRANSACTION);
    while (chunk.length > 0) {
      const outcome = await writeTransaction(storage, [...chunk.flatMap(rowItems), countItem(chunk.length)]);
      if (outcome.applied) {
        changed.push(...chunk);
        break;
      }
      const rowCount = chunk.length * ITEMS_PER_USER;
      const refusedRows = new Set(outcome.failedConditions.filter((index) => index < rowCount).map((index) => Math.floor(index / ITEMS_PER_USER)));
      if (refusedRows.size === 0) return { changed, countRefused: true };
      chunk = chunk.filter((_, index) => !refusedRows.has(index));
    }
  }
  return { changed, countRefused: false };
}

export type JoinOutcome = { joined: string[] } | { full: true; joined: string[] };

/**
 * Adds the rows of users who are not members yet, within `max` members. Users who already are
 * (or became so concurrently) are left out of `joined`; `full` when the limit refused the rest.
 */
export async function joinGroupExactly(storage: Storage, conversationId: string, rows: readonly GroupMembership[], max: number): Promise<JoinOutcome> {
  const { changed, countRefused } = await changeRowsExactly(
    storage,
    rows,
    (row) => [joinTransactItem(storage, row), rosterJoinTransactItem(storage, conversationId, row.userId)],
    (count) => memberCountTransactItem(storage, conversationId, count, max),
  );
  const joined = changed.map((row) => row.userId);
  return countRefused ? { full: true, joined } : { joined };
}

/**
 * Removes the rows of users who are members; those who are not (or left concurrently) are left out
 * of `left`, and so is the owner (who leaves only once the group is handed over) and, with
 * `onlyMembers` (an admin removing), anyone who is an admin by the time of the write.
 */
export async function leaveGroupExactly(storage: Storage, conversationId: string, userIds: readonly string[], onlyMembers = false): Promise<{ left: string[] }> {
  const { changed, countRefused } = await changeRowsExactly(
    storage,
    [...new Set(userIds)],
    (userId) => [leaveTransactItem(storage, userId, conversationId, onlyMembers), rosterLeaveTransactItem(storage, conversationId, userId)],
    (count) => memberCountTransactItem(storage, conversationId, -count, 0),
  );
  // Leaving has no limit: only a missing head refuses the count.
  if (countRefused) throw new UnexpectedStorageStateError(`group ${conversationId} has members but no head`);
  return { left: changed };
}
