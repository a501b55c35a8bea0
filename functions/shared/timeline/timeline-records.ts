import type { Message, TimelineItem } from '../messaging/message.js';

/**
 * How a timeline item is stored. A message small enough keeps the item within one write unit
 * (1 KB) is copied in; a bigger one is stored once, in its conversation, and referenced, so a
 * large payload does not cost its size again for every recipient.
 */
export interface TimelineRecord {
  userId: string;
  seq: number;
  type: TimelineItem['type'];
  /** What the item is about (msgId, or a system event id): re-writing the same content is a no-op. */
  itemKey: string;
  ts: number;
  message?: Message;
  /** Set instead of `message` when the message is too big to copy. */
  ref?: { conversationId: string; cseq: number };
  system?: Record<string, unknown>;
}

/** Serialized message size up to which it is copied into timeline items. */
export const INLINE_MESSAGE_BYTES = 700;

export function messageRecord(userId: string, message: Message): Omit<TimelineRecord, 'seq'> {
  const inline = Buffer.byteLength(JSON.stringify(message), 'utf8') <= INLINE_MESSAGE_BYTES;
  return {
    userId,
    type: 'message',
    itemKey: message.msgId,
    ts: message.ts,
    ...(inline ? { message } : { ref: { conversationId: message.conversationId, cseq: message.conversationSeq } }),
  };
}

export function systemRecord(userId: string, eventId: string, ts: number, system: Record<string, unknown>): Omit<TimelineRecord, 'seq'> {
  return { userId, type: 'system', itemKey: eventId, ts, system };
}

/** The item as clients see it, once any referenced message has been loaded. */
export function toTimelineItem(record: TimelineRecord, referenced?: Message): TimelineItem {
  if (record.type === 'void') return { seq: record.seq, type: 'void' };
  if (record.type === 'system') return { seq: record.seq, type: 'system', system: record.system ?? {} };
  const message = record.message ?? referenced;
  return message ? { seq: record.seq, type: 'message', message } : { seq: record.seq, type: 'void' };
}
