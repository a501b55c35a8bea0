import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, type Storage } from '../storage/tables.js';
import type { Body, Message } from './message.js';

/**
 * A message as stored in its conversation (`conversationId` + `cseq`). The stored message is the
 * commit point of `send`: once it exists, delivery can always be finished from it, which is why it
 * records the timeline seqs allocated for it.
 */
export interface MessageRecord {
  conversationId: string;
  cseq: number;
  msgId: string;
  from: string;
  body: Body;
  ts: number;
  clientMsgId: string;
  /** The sender's timeline seq for this message (the `seq` of the send reply). */
  senderSeq?: number;
  /** Direct messages: the recipient's timeline seq. */
  recipientSeq?: number;
  /** Group messages: how this one is delivered, fixed when it is stored. */
  fanOut?: 'write' | 'read';
}

export type MessageDraft = Omit<MessageRecord, 'cseq'>;

export const fromMessageRecord = (record: MessageRecord): Message => ({
  msgId: record.msgId,
  conversationId: record.conversationId,
  conversationSeq: record.cseq,
  from: record.from,
  body: record.body,
  ts: record.ts,
  clientMsgId: record.clientMsgId,
});

/** The highest conversationSeq in use (0 when none). */
export async function latestCseq(storage: Storage, conversationId: string, consistent = false): Promise<number> {
  const result = await storage.db.send(
    new QueryCommand({
      TableName: storage.tables.conversations,
      KeyConditionExpression: 'conversationId = :c AND cseq > :zero',
      ExpressionAttributeValues: { ':c': conversationId, ':zero': 0 },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: consistent,
      ProjectionExpression: 'cseq',
    }),
  );
  return Number(result.Items?.[0]?.cseq ?? 0);
}

/** Too many writers racing for one conversation's next seq: the caller should retry later. */
export class ConversationBusyError extends Error {
  constructor(conversationId: string) {
    super(`could not append to ${conversationId}: too much contention`);
    this.name = 'ConversationBusyError';
  }
}

/**
 * Stores a message at the conversation's next cseq. The conditional put is the allocation: a
 * cseq exists only once its message does, so a conversation never has a hole, and a writer that
 * dies before this point leaves nothing behind. Concurrent writers race and the loser re-reads.
 */
export async function appendMessage(storage: Storage, draft: MessageDraft): Promise<MessageRecord> {
  let last = await latestCseq(storage, draft.conversationId);
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

export async function getMessage(storage: Storage, conversationId: string, cseq: number): Promise<MessageRecord | undefined> {
  const result = await storage.db.send(new GetCommand({ TableName: storage.tables.conversations, Key: { conversationId, cseq } }));
  return result.Item as MessageRecord | undefined;
}

/**
 * Finds the message a sender stored under `clientMsgId`, looking back from the newest message
 * until messages are older than `notBefore`. Only retries of `send` use this.
 */
export async function findSentMessage(
  storage: Storage,
  conversationId: string,
  from: string,
  clientMsgId: string,
  notBefore: number,
): Promise<MessageRecord | undefined> {
  let exclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const result = await storage.db.send(
      new QueryCommand({
        TableName: storage.tables.conversations,
        KeyConditionExpression: 'conversationId = :c AND cseq > :zero',
        ExpressionAttributeValues: { ':c': conversationId, ':zero': 0 },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: 100,
        ExclusiveStartKey: exclusiveStartKey,
      }),
    );
    const items = (result.Items ?? []) as MessageRecord[];
    const match = items.find((item) => item.from === from && item.clientMsgId === clientMsgId);
    if (match) return match;
    if (items.some((item) => item.ts < notBefore)) return undefined;
    exclusiveStartKey = result.LastEvaluatedKey;
  } while (exclusiveStartKey);
  return undefined;
}

export interface MessagePage {
  items: Message[];
  hasMore: boolean;
}

/** `history`: newest first, before `before` (exclusive). */
export async function queryHistory(storage: Storage, conversationId: string, before: number | undefined, limit: number): Promise<MessagePage> {
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
  const result = await storage.db.send(
    new QueryCommand({
      TableName: storage.tables.conversations,
      KeyConditionExpression: 'conversationId = :c AND cseq > :after',
      ExpressionAttributeValues: { ':c': conversationId, ':after': after },
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
