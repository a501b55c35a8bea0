import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { Message } from '../messaging/message.js';
import type { Storage } from '../storage/tables.js';
import { fromMessageRecord, type MessageRecord } from '../messaging/message-store.js';
import type { TimelineRecord } from './timeline-records.js';

/** Loads the messages that timeline records reference instead of copying, keyed `conversationId#cseq`. */
export async function loadReferencedMessages(storage: Storage, records: TimelineRecord[]): Promise<Map<string, Message>> {
  const keys = new Map<string, { conversationId: string; cseq: number }>();
  for (const record of records) if (record.ref) keys.set(`${record.ref.conversationId}#${record.ref.cseq}`, record.ref);
  const found = new Map<string, Message>();
  let pending = [...keys.values()];
  while (pending.length > 0) {
    const batch = pending.slice(0, 100);
    pending = pending.slice(100);
    const result = await storage.db.send(new BatchGetCommand({ RequestItems: { [storage.tables.conversations]: { Keys: batch } } }));
    for (const item of result.Responses?.[storage.tables.conversations] ?? []) {
      const message = fromMessageRecord(item as MessageRecord);
      found.set(`${message.conversationId}#${message.conversationSeq}`, message);
    }
    const unprocessed = result.UnprocessedKeys?.[storage.tables.conversations]?.Keys;
    if (unprocessed?.length) pending.push(...(unprocessed as { conversationId: string; cseq: number }[]));
  }
  return found;
}
