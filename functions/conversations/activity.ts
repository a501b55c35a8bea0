import { advanceCatchUpMark, catchUpMark, raiseActivity } from '../storage/activity-index.js';
import type { Storage } from '../storage/storage.js';
import { queryAfter, type TimelineRecord } from '../storage/timelines/index.js';

/**
 * The conversation list's lazy index (storage/activity-index.ts). The message path writes nothing
 * for it: the user's timeline already holds, in the order the user received them, every message
 * of their direct conversations and write fan-out groups. Listing applies the part of the
 * timeline not applied yet (after the user's `mark`) to the rows: `activity` up to the newest
 * message, and the unread flag for a message from someone else. Each timeline item is applied
 * about once (amortized: a few hundred bytes of query per message received), whatever the number
 * of conversations.
 */

/** Timeline items one call reads at most (2,000 small items: about 75 RRU); the rest waits for the next call. */
export const MAX_CATCH_UP_ITEMS = 2_000;
const PAGE_ITEMS = 200;
/** A seq not written after this long never will be (as `sync`'s ABANDONED_SEQ_AFTER_MS): the tail may pass it. */
const ABANDONED_SEQ_AFTER_MS = 30_000;

export interface Touched {
  /** Newest message ts per conversation. */
  ts: number;
  /** A message from someone else (or one whose sender the item does not say: a large body by reference). */
  fromOthers: boolean;
}

export interface Tail {
  /** The mark before. */
  from: number;
  /** Every seq up to here was applied (or is closed). */
  upTo: number;
  touched: Map<string, Touched>;
}

function messageOf(record: TimelineRecord, userId: string): { conversationId: string; fromOthers: boolean } | undefined {
  if (record.type !== 'message') return undefined;
  if (record.message) return { conversationId: record.message.conversationId, fromOthers: record.message.from !== userId };
  if (record.ref) return { conversationId: record.ref.conversationId, fromOthers: true };
  return undefined;
}

/**
 * Reads the user's timeline after their mark: which conversations it touches and how far it is
 * contiguous. A seq allocated but not written yet stops the tail (it is read again next time),
 * unless it is old enough to be abandoned.
 */
export async function readTail(storage: Storage, userId: string, now: number, maxItems = MAX_CATCH_UP_ITEMS): Promise<Tail> {
  const from = await catchUpMark(storage, userId);
  const touched = new Map<string, Touched>();
  let upTo = from;
  for (let read = 0; read < maxItems; ) {
    const page = await queryAfter(storage, userId, upTo, Math.min(PAGE_ITEMS, maxItems - read));
    read += page.length;
    for (const record of page) {
      if (record.seq > upTo + 1 && now - record.ts < ABANDONED_SEQ_AFTER_MS) return { from, upTo, touched };
      upTo = record.seq;
      const message = messageOf(record, userId);
      if (!message) continue;
      const seen = touched.get(message.conversationId);
      touched.set(message.conversationId, {
        ts: Math.max(seen?.ts ?? 0, record.ts),
        fromOthers: (seen?.fromOthers ?? false) || message.fromOthers,
      });
    }
    if (page.length < PAGE_ITEMS) break;
  }
  return { from, upTo, touched };
}

/** Applies a tail to the rows, then moves the mark past it (a crash in between applies it again: every write is idempotent). */
export async function applyTail(storage: Storage, userId: string, tail: Tail): Promise<void> {
  await Promise.all([...tail.touched].map(([conversationId, { ts, fromOthers }]) => raiseActivity(storage, userId, conversationId, ts, fromOthers)));
  if (tail.upTo > tail.from) await advanceCatchUpMark(storage, userId, tail.upTo);
}

/** Brings the user's list index up to their timeline (what a first page does before it reads). */
export async function catchUp(storage: Storage, userId: string, now: number): Promise<Tail> {
  const tail = await readTail(storage, userId, now);
  await applyTail(storage, userId, tail);
  return tail;
}
