import type { TimelineItem } from '@serverless-im/protocol';
import { withinBytes } from '../platform/reply-budget.js';
import type { Storage } from '../storage/storage.js';
import { queryAfter, readHead, type TimelineRecord, toTimelineItem, voidRecord, voidSeq } from '../storage/timelines/index.js';
import { loadReferencedMessages, messageKey } from './referenced-messages.js';

/**
 * How old an allocated-but-unwritten seq must be before a reader closes it. Every writer writes
 * its item within its own invocation, so past the longest function timeout (plus margin) the
 * writer is gone. Correctness never depends on this number: a writer that finds its seq closed
 * takes a new one. It only decides how long a reader waits behind a crashed writer.
 */
export const ABANDONED_SEQ_AFTER_MS = 30_000;

/** How long `sync` waits behind a seq that is being written right now before answering. */
const IN_FLIGHT_WAIT_MS = 1_500;
const IN_FLIGHT_POLL_MS = 50;

export interface TimelinePage {
  items: TimelineItem[];
  latest: number;
  hasMore: boolean;
}

interface WalkResult {
  records: TimelineRecord[];
  /** The next seq the reader needs. */
  next: number;
  /** True when a seq that may still be written stops the walk. */
  blocked: boolean;
  /** True when a closed seq turned out to be written meanwhile: read again. */
  raced: boolean;
}

async function walk(storage: Storage, userId: string, after: number, limit: number, now: number): Promise<WalkResult & { latest: number }> {
  const [head, page] = await Promise.all([readHead(storage, userId), queryAfter(storage, userId, after, limit)]);
  const records: TimelineRecord[] = [];
  let next = after + 1;
  const closeUpTo = async (end: number, allocatedAt: number): Promise<'closed' | 'blocked' | 'raced'> => {
    if (now - allocatedAt < ABANDONED_SEQ_AFTER_MS) return 'blocked';
    for (; next < end && records.length < limit; next++) {
      if ((await voidSeq(storage, userId, next, now)) === 'taken') return 'raced';
      records.push(voidRecord(userId, next, now));
    }
    return 'closed';
  };
  for (const record of page) {
    if (records.length >= limit) break;
    if (record.seq > next) {
      // A later item is written but an earlier seq is not: that seq was allocated before the
      // later one, so it is at least as old as the later item.
      const outcome = await closeUpTo(record.seq, record.ts);
      if (outcome !== 'closed') return { records, next, blocked: outcome === 'blocked', raced: outcome === 'raced', latest: head.latest };
    }
    if (records.length >= limit) break;
    records.push(record);
    next = record.seq + 1;
  }
  if (records.length < limit && page.length < limit && next <= head.latest) {
    // Allocated at the tail but never written; `latestAt` dates the newest allocation.
    const outcome = await closeUpTo(head.latest + 1, head.latestAt);
    return { records, next, blocked: outcome === 'blocked', raced: outcome === 'raced', latest: head.latest };
  }
  return { records, next, blocked: false, raced: false, latest: head.latest };
}

/**
 * `sync`: the user's items after `after`, ascending and contiguous. A seq that is allocated but
 * not yet written stops the page there (never skipped); one abandoned by a crashed writer is
 * closed with a `void` item so readers move past it.
 */
export async function readTimeline(storage: Storage, userId: string, after: number, limit: number, clock: () => number = Date.now): Promise<TimelinePage> {
  const deadline = clock() + IN_FLIGHT_WAIT_MS;
  for (;;) {
    const result = await walk(storage, userId, after, limit, clock());
    const waitMore = (result.raced || (result.blocked && result.records.length === 0)) && clock() < deadline;
    if (waitMore) {
      await new Promise((resolve) => setTimeout(resolve, IN_FLIGHT_POLL_MS));
      continue;
    }
    const referenced = await loadReferencedMessages(storage, result.records);
    // A prefix keeps the page contiguous: the client goes on from its last seq.
    const { items } = withinBytes(result.records.map((record) => toTimelineItem(record, record.ref ? referenced.get(messageKey(record.ref.conversationId, record.ref.cseq)) : undefined)));
    const lastSeq = items.at(-1)?.seq ?? after;
    return { items, latest: Math.max(result.latest, lastSeq), hasMore: lastSeq < result.latest };
  }
}
