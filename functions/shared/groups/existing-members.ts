import { batchGetAll } from '../storage/batch.js';
import type { Storage } from '../storage/tables.js';

/** Which of `userIds` are members of the group right now (strongly consistent). */
export async function existingMembers(storage: Storage, conversationId: string, userIds: readonly string[]): Promise<Set<string>> {
  const keys = [...new Set(userIds)].map((userId) => ({ userId, conversationId }));
  const rows = await batchGetAll(storage.db, storage.tables.memberships, keys, { consistent: true, projection: 'userId' });
  return new Set(rows.map((row) => String(row.userId)));
}
