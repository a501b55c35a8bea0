import { batchWriteAll } from './batch.js';
import { queryAll } from './query.js';
import type { Storage } from './storage.js';

/**
 * Who left a group (removed or by leaving), and when: Memberships items under the partition
 * `former#<groupId>` with the user id as sort key (a `#` never occurs in a user id, so no user's
 * `conversations` ever reads them, and they carry no `groupId`, so `byGroup` does not list them).
 * A recall needs them: a former member's timeline still holds their copy of what was sent while
 * they were in, and only the member list says whose timelines to look in.
 */
export const formerPartition = (groupId: string): string => `former#${groupId}`;

/** Records that these users leave the group now (idempotent puts; a later leave only moves `leftAt`). */
export async function recordFormerMembers(storage: Storage, groupId: string, userIds: readonly string[], leftAt: number): Promise<void> {
  const rows = [...new Set(userIds)].map((userId) => ({ PutRequest: { Item: { userId: formerPartition(groupId), conversationId: userId, leftAt } } }));
  await batchWriteAll(storage.db, storage.tables.memberships, rows);
}

/** The users who left the group at `since` or later (they may hold copies of messages sent before). */
export async function formerMembersSince(storage: Storage, groupId: string, since: number): Promise<string[]> {
  const rows = await queryAll<{ conversationId: unknown }>(storage, {
    TableName: storage.tables.memberships,
    KeyConditionExpression: 'userId = :p',
    FilterExpression: 'leftAt >= :since',
    ExpressionAttributeValues: { ':p': formerPartition(groupId), ':since': since },
  });
  return rows.map((row) => String(row.conversationId));
}
