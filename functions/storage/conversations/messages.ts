import { GetCommand, paginateQuery, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Message } from '@serverless-im/protocol';
import { batchGetAll } from '../batch.js';
import { isConditionalCheckFailed, writeIfConditionHolds } from '../conditions.js';
import { ConversationBusyError } from '../errors.js';
import type { Storage } from '../storage.js';
import { isBlockMarker, LAST_MESSAGE_CSEQ } from './blocks.js';
import { fromMessageRecord, HEAD_CSEQ, headKey, type MessageDraft, type MessageRecord } from './records.js';

/** The highest conversationSeq in use (0 when none). */
export async function latestCseq(storage: Storage, conversationId: string, consistent = false): Promise<number> {
  const result = await storage.db.send(
    new QueryCommand({
      TableName: storage.tables.conversations,
      KeyConditionExpression: 'conversationId = :c AND cseq BETWEEN :first AND :last',
      ExpressionAttributeValues: { ':c': conversationId, ':first': 1, ':last': LAST_MESSAGE_CSEQ },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: consistent,
      ProjectionExpression: 'cseq',
    }),
  );
  return Number(result.Items?.[0]?.cseq ?? 0);
}

/**
 * What a direct send needs to know before it spends anything: the highest conversationSeq in use,
 * or that a block stands between the two members. One query, the one `latestCseq` makes: the
 * block marker sorts above every message, so while it exists it is what this query returns.
 */
export async function latestCseqUnlessBlocked(storage: Storage, conversationId: string): Promise<{ blocked: true } | { blocked: false; latest: number }> {
  const result = await storage.db.send(
    new QueryCommand({
      TableName: storage.tables.conversations,
      KeyConditionExpression: 'conversationId = :c AND cseq > :zero',
      ExpressionAttributeValues: { ':c': conversationId, ':zero': HEAD_CSEQ },
      ScanIndexForward: false,
      Limit: 1,
      ProjectionExpression: 'cseq',
    }),
  );
  const top = result.Items?.[0];
  if (isBlockMarker(top)) return { blocked: true };
  return { blocked: false, latest: Number(top?.cseq ?? 0) };
}

/**
 * Stores a message at the conversation's next cseq. The conditional put is the allocation: a
 * cseq exists only once its message does, so a conversation never has a hole, and a writer that
 * dies before this point leaves nothing behind. Concurrent writers race and the loser re-reads.
 * `knownLatest`: the newest cseq the caller read already (a direct send reads it with its block check).
 */
export async function appendMessage(storage: Storage, draft: MessageDraft, knownLatest?: number): Promise<MessageRecord> {
  let last = knownLatest ?? (await latestCseq(storage, draft.conversationId));
  for (let attempt = 0; attempt < 50; attempt++) {
    const record: MessageRecord = { ...draft, cseq: last + 1 };
    try {
      await storage.db.send(
        new PutCommand({
          TableName: storage.tables.conversations,
          Item: record,
          ConditionExpression: 'attribute_not_exists(cseq)',
        }),
      );
      return record;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // Writers that lost a race back off by a random amount (full jitter), so a burst into one
      // conversation spreads out instead of colliding on every next cseq again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** attempt)));
      last = await latestCseq(storage, draft.conversationId, true);
    }
  }
  throw new ConversationBusyError(draft.conversationId);
}

export async function getMessage(storage: Storage, conversationId: string, cseq: number, consistent = false): Promise<MessageRecord | undefined> {
  const result = await storage.db.send(new GetCommand({ TableName: storage.tables.conversations, Key: { conversationId, cseq }, ConsistentRead: consistent }));
  return result.Item as MessageRecord | undefined;
}

/**
 * Replaces a message with its next state, only if nobody changed it since `expectedVersion` was
 * read (optimistic concurrency: concurrent changes are applied one after the other, in the order
 * DynamoDB accepts them). False when another change came first: read again and redo.
 */
export async function replaceMessage(storage: Storage, next: MessageRecord, expectedVersion: number): Promise<boolean> {
  return writeIfConditionHolds(() =>
    storage.db.send(
      new PutCommand({
        TableName: storage.tables.conversations,
        Item: next,
        ...(expectedVersion === 1
          ? { ConditionExpression: 'attribute_exists(cseq) AND attribute_not_exists(version)' }
          : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expectedVersion } }),
      }),
    ),
  );
}

/** Messages by (conversationId, cseq), in any order; missing ones are left out. */
export async function messagesAt(storage: Storage, keys: readonly { conversationId: string; cseq: number }[], options: { consistent?: boolean } = {}): Promise<Message[]> {
  const items = await batchGetAll(storage.db, storage.tables.conversations, keys, options);
  return items.map((item) => fromMessageRecord(item as unknown as MessageRecord));
}

/** The heads (cseq 0) of these conversations, keyed by conversationId; missing ones are left out. */
export async function headsOf(storage: Storage, conversationIds: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  const heads = new Map<string, Record<string, unknown>>();
  for (const item of await batchGetAll(storage.db, storage.tables.conversations, conversationIds.map(headKey))) {
    heads.set(String(item.conversationId), item);
  }
  return heads;
}

/**
 * Finds the message a sender stored under `clientMsgId` in an attempt that began after
 * `afterCseq` existed and ended by `endedBy`: ascending from `afterCseq`, up to the first message
 * whose time is past `endedBy` (its send was claimed later, so it and everything above it was
 * stored after that attempt ended). The cost depends on how many messages were stored during the
 * attempt, not on the conversation's depth. `newest`: the highest cseq seen (a floor for a takeover).
 */
export async function findSentMessageAfter(
  storage: Storage,
  conversationId: string,
  from: string,
  clientMsgId: string,
  afterCseq: number,
  endedBy: number,
): Promise<{ found?: MessageRecord; newest: number }> {
  let newest = afterCseq;
  for await (const page of paginateQuery(
    { client: storage.db, pageSize: 25 },
    {
      TableName: storage.tables.conversations,
      KeyConditionExpression: 'conversationId = :c AND cseq BETWEEN :after AND :last',
      ExpressionAttributeValues: { ':c': conversationId, ':after': afterCseq + 1, ':last': LAST_MESSAGE_CSEQ },
      ConsistentRead: true,
    },
  )) {
    for (const item of (page.Items ?? []) as MessageRecord[]) {
      newest = Math.max(newest, item.cseq);
      if (item.from === from && item.clientMsgId === clientMsgId) return { found: item, newest };
      if (item.ts > endedBy) return { newest };
    }
  }
  return { newest };
}

/**
 * Finds the message a sender stored under `clientMsgId`, looking back from the newest message
 * until messages are older than `notBefore`. Only retries of claims from before `afterCseq`
 * (findSentMessageAfter) use this.
 */
export async function findSentMessage(
  storage: Storage,
  conversationId: string,
  from: string,
  clientMsgId: string,
  notBefore: number,
): Promise<MessageRecord | undefined> {
  for await (const page of paginateQuery(
    { client: storage.db, pageSize: 100 },
    {
      TableName: storage.tables.conversations,
      KeyConditionExpression: 'conversationId = :c AND cseq > :zero',
      ExpressionAttributeValues: { ':c': conversationId, ':zero': HEAD_CSEQ },
      ScanIndexForward: false,
      ConsistentRead: true,
    },
  )) {
    const items = (page.Items ?? []) as MessageRecord[];
    const match = items.find((item) => item.from === from && item.clientMsgId === clientMsgId);
    if (match) return match;
    if (items.some((item) => item.ts < notBefore)) return undefined;
  }
  return undefined;
}

export interface MessagePage {
  items: Message[];
  hasMore: boolean;
}

/** `history`: newest first, before `before` (exclusive). */
export async function queryHistory(storage: Storage, conversationId: string, before: number | undefined, limit: number): Promise<MessagePage> {
  // Nothing precedes the first message; DynamoDB refuses the empty range `BETWEEN 1 AND 0`.
  if (before !== undefined && before <= 1) return { items: [], hasMore: false };
  const result = await storage.db.send(
    new QueryCommand({
      TableName: storage.tables.conversations,
      KeyConditionExpression: 'conversationId = :c AND cseq BETWEEN :first AND :last',
      ExpressionAttributeValues: { ':c': conversationId, ':first': 1, ':last': (before ?? Number.MAX_SAFE_INTEGER) - 1 },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  const items = ((result.Items ?? []) as MessageRecord[]).map(fromMessageRecord);
  const oldest = items.at(-1)?.conversationSeq;
  return { items, hasMore: items.length === limit && oldest !== undefined && oldest > 1 };
}

/** `syncConversation`: ascending after `after`, cut at the first gap a lagging replica may show. */
export async function queryConversationAfter(storage: Storage, conversationId: string, after: number, limit: number): Promise<Message[]> {
  if (after >= LAST_MESSAGE_CSEQ) return [];
  const result = await storage.db.send(
    new QueryCommand({
      TableName: storage.tables.conversations,
      KeyConditionExpression: 'conversationId = :c AND cseq BETWEEN :first AND :last',
      ExpressionAttributeValues: { ':c': conversationId, ':first': after + 1, ':last': LAST_MESSAGE_CSEQ },
      Limit: limit,
    }),
  );
  const items: Message[] = [];
  let expected = after + 1;
  for (const record of (result.Items ?? []) as MessageRecord[]) {
    if (record.cseq !== expected) break;
    items.push(fromMessageRecord(record));
    expected++;
  }
  return items;
}

/** The senders of a conversation's messages in (after, upTo], newest first, looking at most `limit` messages back. */
export async function authorsBetween(storage: Storage, conversationId: string, after: number, upTo: number, limit: number): Promise<string[]> {
  const result = await storage.db.send(
    new QueryCommand({
      TableName: storage.tables.conversations,
      KeyConditionExpression: 'conversationId = :c AND cseq BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':c': conversationId, ':from': Math.max(1, after + 1), ':to': upTo },
      ExpressionAttributeNames: { '#from': 'from' },
      ProjectionExpression: '#from',
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return [...new Set((result.Items ?? []).map((item) => String(item.from)))];
}
