import { type Message, type SystemEvent, type TimelineItem, utf8ByteLength } from '@serverless-im/protocol';

/**
 * How a timeline item is stored (Timelines table, key `userId` + `seq`; seq 0 is the head). A
 * message small enough to keep the item within one write unit (1 KB) is copied in; a bigger one
 * is stored once, in its conversation, and referenced, so a large payload does not cost its size
 * again for every recipient.
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
  system?: SystemEvent;
}

/** A record before it has a seq. */
export type TimelineContent = Omit<TimelineRecord, 'seq'>;

/** Serialized message size up to which it is copied into timeline items. */
export const INLINE_MESSAGE_BYTES = 700;

export function messageRecord(userId: string, message: Message): TimelineContent {
  const inline = utf8ByteLength(JSON.stringify(message)) <= INLINE_MESSAGE_BYTES;
  return {
    userId,
    type: 'message',
    itemKey: message.msgId,
    ts: message.ts,
    ...(inline ? { message } : { ref: { conversationId: message.conversationId, cseq: message.conversationSeq } }),
  };
}

export function systemRecord(userId: string, eventId: string, ts: number, system: SystemEvent): TimelineContent {
  return { userId, type: 'system', itemKey: eventId, ts, system };
}

/** The `void` that closes a seq abandoned by a crashed writer. */
export const voidRecord = (userId: string, seq: number, now: number): TimelineRecord => ({ userId, seq, type: 'void', itemKey: `void:${seq}`, ts: now });

/** The item as clients see it, once any referenced message has been loaded. */
export function toTimelineItem(record: TimelineRecord, referenced?: Message): TimelineItem {
  if (record.type === 'void') return { seq: record.seq, type: 'void' };
  if (record.type === 'system') return { seq: record.seq, type: 'system', system: record.system! };
  const message = record.message ?? referenced;
  return message ? { seq: record.seq, type: 'message', message } : { seq: record.seq, type: 'void' };
}
