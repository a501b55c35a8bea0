import { type DeletedForMe, type Message, type SystemEvent, type TimelineItem, utf8ByteLength } from '@serverless-im/protocol';

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
  /**
   * Set instead of `message` when the message is too big to copy, for every `update` item (it
   * shows the message's current state, so it never holds content of its own), and for a message
   * item whose copy was removed by a recall.
   */
  ref?: { conversationId: string; cseq: number };
  /**
   * On a `message` item: its inline copy was removed by a recall, never write the content here
   * again. On an `update` item: the change it announces is a recall (the notification dispatcher
   * filters the stream on it to withdraw the message's notification).
   */
  recalled?: true;
  system?: SystemEvent;
  /**
   * On a `system` item: this is the copy of the member who made the change (written before the
   * reply), so there is exactly one per change whatever the group's size. The event publisher
   * turns it into the change's `group.changed` event (functions/events/). Never shown to clients.
   */
  origin?: true;
  deleted?: DeletedForMe;
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

/** The timeline item key of a message's change to `version`: one item per member per change. */
export const updateItemKey = (msgId: string, version: number): string => `update:${msgId}:${version}`;

/** The message id in an update item's key (message ids contain no `:`). */
export const msgIdOfUpdateKey = (itemKey: string): string | undefined => (itemKey.startsWith('update:') ? itemKey.split(':')[1] : undefined);

/** An `update` item: a reference to the changed message, whose current state readers load. */
export function updateRecord(userId: string, message: Pick<Message, 'msgId' | 'conversationId' | 'conversationSeq' | 'recalled'>, version: number, ts: number): TimelineContent {
  return {
    userId,
    type: 'update',
    itemKey: updateItemKey(message.msgId, version),
    ts,
    ref: { conversationId: message.conversationId, cseq: message.conversationSeq },
    ...(message.recalled ? { recalled: true as const } : {}),
  };
}

export function deleteForMeRecord(userId: string, itemKey: string, ts: number, deleted: DeletedForMe): TimelineContent {
  return { userId, type: 'deleteForMe', itemKey, ts, deleted };
}

export function systemRecord(userId: string, eventId: string, ts: number, system: SystemEvent, origin = false): TimelineContent {
  return { userId, type: 'system', itemKey: eventId, ts, system, ...(origin ? { origin: true as const } : {}) };
}

/** The `void` that closes a seq abandoned by a crashed writer. */
export const voidRecord = (userId: string, seq: number, now: number): TimelineRecord => ({ userId, seq, type: 'void', itemKey: `void:${seq}`, ts: now });

/** The item as clients see it, once any referenced message has been loaded. */
export function toTimelineItem(record: TimelineRecord, referenced?: Message): TimelineItem {
  if (record.type === 'void') return { seq: record.seq, type: 'void' };
  if (record.type === 'system') return { seq: record.seq, type: 'system', system: record.system! };
  if (record.type === 'deleteForMe') return { seq: record.seq, type: 'deleteForMe', deleted: record.deleted! };
  const message = record.message ?? referenced;
  if (!message) return { seq: record.seq, type: 'void' };
  return record.type === 'update' ? { seq: record.seq, type: 'update', message } : { seq: record.seq, type: 'message', message };
}
