import type { Message } from '../messaging/message.js';
import { batchGetAll } from '../storage/batch.js';
import type { Storage } from '../storage/tables.js';
import { fromMessageRecord, type MessageRecord } from '../messaging/message-store.js';
import type { TimelineRecord } from './timeline-records.js';

/** Loads the messages that timeline records reference instead of copying, keyed `conversationId#cseq`. */
export async function loadReferencedMessages(storage: Storage, records: TimelineRecord[]): Promise<Map<string, Message>> {
  const keys = new Map<string, { conversationId: string; cseq: number }>();
  for (const record of records) if (record.ref) keys.set(`${record.ref.conversationId}#${record.ref.cseq}`, record.ref);
  const found = new Map<string, Message>();
  for (const item of await batchGetAll(storage.db, storage.tables.conversations, [...keys.values()])) {
    const message = fromMessageRecord(item as unknown as MessageRecord);
    found.set(`${message.conversationId}#${message.conversationSeq}`, message);
  }
  return found;
}
