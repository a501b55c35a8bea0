import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { directConversationId } from '@serverless-im/protocol';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';

/**
 * Gives `userId` `count` direct conversations by writing the tables directly, as the stack would
 * have left them after one message from each peer (building thousands through `send` is too slow
 * here): both members' Memberships rows (in `byActivity` from the message's time), the head, the
 * message, both timeline items and heads (so the delivery repair finds every delivery complete).
 * The oldest `unread` stay unread for `userId` and are flagged in `byUnread`; the others are read;
 * the user's catch-up mark is at the end of their timeline: the state after a catch-up.
 */
export async function seedDirectConversations(cloud: LocalCloud, userId: string, count: number, options: { unread?: number; startTs?: number } = {}): Promise<string[]> {
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: cloud.dynamoDbEndpoint, region: cloud.model.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
  );
  const memberships = cloud.tableName('MessagingMemberships');
  const conversations = cloud.tableName('MessagingConversations');
  const timelines = cloud.tableName('MessagingTimelines');
  const timelineItems: Record<string, unknown>[] = [];
  const start = options.startTs ?? Date.now() - 86_400_000;
  const unread = options.unread ?? 0;
  const ids: string[] = [];
  const rows: Record<string, unknown>[] = [];
  const items: Record<string, unknown>[] = [];
  for (let index = 0; index < count; index++) {
    const peer = `${userId}-peer-${String(index).padStart(5, '0')}`;
    const conversationId = directConversationId(userId, peer);
    const ts = start + index * 1000;
    const userIsLo = conversationId === `dm:${userId}:${peer}`;
    const isUnread = index < unread;
    ids.push(conversationId);
    rows.push(
      { userId, conversationId, kind: 'direct', peer, joinedAt: ts, activity: ts, ...(isUnread ? { unreadOf: userId, unreadGen: 1 } : {}) },
      { userId: peer, conversationId, kind: 'direct', peer: userId, joinedAt: ts, activity: ts },
    );
    const message = { msgId: `seed-${peer}`, conversationId, conversationSeq: 1, from: peer, body: { kind: 'text', text: `hello from ${peer}` }, ts, clientMsgId: `seed-${index}` };
    items.push(
      { conversationId, cseq: 0, ownLo: userIsLo ? 0 : 1, ownHi: userIsLo ? 1 : 0, readLo: 0, readHi: 0, [userIsLo ? 'readLo' : 'readHi']: isUnread ? 0 : 1, listed: true },
      { conversationId, cseq: 1, msgId: message.msgId, from: peer, body: message.body, ts, clientMsgId: message.clientMsgId, senderSeq: 1, recipientSeq: index + 1 },
    );
    timelineItems.push(
      { userId, seq: index + 1, type: 'message', itemKey: message.msgId, ts, message },
      { userId: peer, seq: 1, type: 'message', itemKey: message.msgId, ts, message },
      { userId: peer, seq: 0, latest: 1, latestAt: ts },
    );
  }
  const write = async (table: string, all: Record<string, unknown>[]) => {
    for (let offset = 0; offset < all.length; offset += 25) {
      let pending: unknown[] = all.slice(offset, offset + 25).map((Item) => ({ PutRequest: { Item } }));
      while (pending.length > 0) {
        const result = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending as never } }));
        pending = (result.UnprocessedItems?.[table] ?? []) as unknown[];
      }
    }
  };
  timelineItems.push({ userId, seq: 0, latest: count, latestAt: start + count * 1000 });
  rows.push({ userId: `listed#${userId}`, conversationId: 'mark', upTo: count });
  await write(memberships, rows);
  await write(timelines, timelineItems);
  await write(conversations, items);
  db.destroy();
  return ids;
}
