import type { Message } from '@serverless-im/protocol';
import { messagesAt } from '../storage/conversations/index.js';
import type { Storage } from '../storage/storage.js';
import type { TimelineRecord } from '../storage/timelines/index.js';

export const messageKey = (conversationId: string, cseq: number): string => `${conversationId}#${cseq}`;

/**
 * Loads the messages that timeline records reference instead of copying, keyed by `messageKey`,
 * in their current state. Strongly consistent: an `update` item written a moment ago must show the
 * change it announces, not the state before it.
 */
export async function loadReferencedMessages(storage: Storage, records: readonly TimelineRecord[]): Promise<Map<string, Message>> {
  const keys = new Map<string, { conversationId: string; cseq: number }>();
  for (const record of records) if (record.ref) keys.set(messageKey(record.ref.conversationId, record.ref.cseq), record.ref);
  const found = new Map<string, Message>();
  for (const message of await messagesAt(storage, [...keys.values()], { consistent: true })) found.set(messageKey(message.conversationId, message.conversationSeq), message);
  return found;
}
