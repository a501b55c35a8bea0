import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll } from '../storage/batch.js';
import type { Storage } from '../storage/tables.js';

/** A row of Memberships: the user is in the conversation (the index behind `conversations`). */
export interface MembershipRecord {
  userId: string;
  conversationId: string;
  kind: 'direct' | 'group';
  /** Direct conversations: the other member. */
  peer?: string;
  joinedAt: number;
}

/** Lists both members of a direct conversation (idempotent puts). */
export async function putDirectMemberships(storage: Storage, conversationId: string, members: [string, string], now: number): Promise<void> {
  const [a, b] = members;
  const rows: MembershipRecord[] = [
    { userId: a, conversationId, kind: 'direct', peer: b, joinedAt: now },
    { userId: b, conversationId, kind: 'direct', peer: a, joinedAt: now },
  ];
  await batchWriteAll(storage.db, storage.tables.memberships, rows.map((Item) => ({ PutRequest: { Item: { ...Item } } })));
}

export async function getMembership(storage: Storage, userId: string, conversationId: string): Promise<MembershipRecord | undefined> {
  const result = await storage.db.send(new GetCommand({ TableName: storage.tables.memberships, Key: { userId, conversationId } }));
  return result.Item as MembershipRecord | undefined;
}

export async function listMemberships(storage: Storage, userId: string): Promise<MembershipRecord[]> {
  const rows: MembershipRecord[] = [];
  let exclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const result = await storage.db.send(
      new QueryCommand({
        TableName: storage.tables.memberships,
        KeyConditionExpression: 'userId = :u',
        ExpressionAttributeValues: { ':u': userId },
        ExclusiveStartKey: exclusiveStartKey,
      }),
    );
    rows.push(...((result.Items ?? []) as MembershipRecord[]));
    exclusiveStartKey = result.LastEvaluatedKey;
  } while (exclusiveStartKey);
  return rows;
}
