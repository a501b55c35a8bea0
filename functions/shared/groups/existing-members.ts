import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { Storage } from '../storage/tables.js';

/** Which of `userIds` are members of the group right now (strongly consistent). */
export async function existingMembers(storage: Storage, conversationId: string, userIds: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  let pending = userIds.map((userId) => ({ userId, conversationId }));
  while (pending.length > 0) {
    const batch = pending.slice(0, 100);
    pending = pending.slice(100);
    const result = await storage.db.send(
      new BatchGetCommand({
        RequestItems: { [storage.tables.memberships]: { Keys: batch, ConsistentRead: true, ProjectionExpression: 'userId' } },
      }),
    );
    for (const item of result.Responses?.[storage.tables.memberships] ?? []) found.add(String(item.userId));
    const unprocessed = result.UnprocessedKeys?.[storage.tables.memberships]?.Keys as { userId: string; conversationId: string }[] | undefined;
    if (unprocessed?.length) pending.push(...unprocessed);
  }
  return found;
}
