import type { Storage } from '../storage/tables.js';
import { findInTimeline } from '../timeline/find-in-timeline.js';
import { messageRecord } from '../timeline/timeline-records.js';
import { allocateSeq, putAtSeq } from '../timeline/timeline-store.js';
import type { Message } from './message.js';

/**
 * Writes `message` into `userId`'s timeline at the seq allocated for it, exactly once. When that
 * seq was closed by a reader (the writer was presumed dead), a recovering writer first checks
 * whether an earlier attempt already wrote the message elsewhere, then takes a new seq.
 */
export async function deliverTimelineItem(storage: Storage, userId: string, message: Message, allocatedSeq: number, now: number, recovering: boolean): Promise<number> {
  const record = messageRecord(userId, message);
  let seq = allocatedSeq;
  for (;;) {
    if ((await putAtSeq(storage, { ...record, seq })) === 'written') return seq;
    if (recovering) {
      const existing = await findInTimeline(storage, userId, allocatedSeq, record.itemKey);
      if (existing !== undefined) return existing;
    }
    seq = await allocateSeq(storage, userId, now);
  }
}
