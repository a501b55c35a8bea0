import { RateLimitedError } from '../errors/request-errors.js';
import { countSendOnHead, type SendCount, type WindowMark } from '../storage/timelines/index.js';
import type { Storage } from '../storage/storage.js';

/** Sends a user may make per minute, all devices together (SEND_LIMIT_PER_MINUTE overrides). */
export const SEND_LIMIT_PER_MINUTE = Number(process.env.SEND_LIMIT_PER_MINUTE ?? 60);

const MINUTE_MS = 60_000;

/**
 * The window is kept in one number on the user's timeline head, `sendMark` = minute × WINDOW +
 * sends in that minute, so one condition checks both the minute and the count.
 */
export const WINDOW = 1_000_000;

/** The two ways a send can be counted at `now`: in the current minute's window, or by opening it. */
export function sendCounts(now: number, limit: number): { current: SendCount & { window: 'current' }; open: SendCount & { window: 'new' } } {
  const base = Math.floor(now / MINUTE_MS) * WINDOW;
  return {
    current: { window: 'current', from: base, upTo: base + limit - 1 },
    open: { window: 'new', olderThan: base, mark: base + 1 },
  };
}

/** True when the mark a refused count found says the current minute is used up. */
export const windowFull = (sendMark: number, now: number, limit: number): boolean => sendMark >= Math.floor(now / MINUTE_MS) * WINDOW + limit;

/** How long until the next minute's window opens. */
export const retryAfterMs = (now: number): number => MINUTE_MS - (now % MINUTE_MS);

export const sendRateLimited = (now: number): RateLimitedError =>
  new RateLimitedError('too many messages; retry in a moment', { reason: 'sendRate', retryAfterMs: retryAfterMs(now) });

/**
 * Counts a send in the user's current one-minute window, on the user's timeline head. When the
 * send also allocates the sender's seq (`allocate`), both happen in the one write the send makes
 * anyway, so the limit costs nothing extra (a second write only for the first send of a minute).
 * Returns the allocated seq, or undefined without `allocate`; throws RATE_LIMITED over the limit.
 */
export async function countSend(storage: Storage, userId: string, now: number, allocate: boolean, limit = SEND_LIMIT_PER_MINUTE): Promise<number | undefined> {
  return countInWindow(storage, userId, now, { allocate, limit, mark: 'sendMark', refuse: sendRateLimited });
}

/**
 * The window of `countSend`, for any mark of the head: `sendMark` (with the seq allocation), or
 * the mark of a durable per-user action class (limits/user-limits.ts, without allocation).
 *
 * Known bound: a window is a calendar minute, so a burst straddling a minute boundary can pass
 * up to 2 × limit within a few seconds (limit at 0:59, limit at 1:00); over any longer stretch
 * the rate is at most limit per minute (docs/protocol-notes.md, "Per-user limits").
 */
export async function countInWindow(
  storage: Storage,
  userId: string,
  now: number,
  window: { allocate: boolean; limit: number; mark: WindowMark; refuse: (now: number) => Error },
): Promise<number | undefined> {
  const { allocate, limit, mark } = window;
  const counts = sendCounts(now, limit);
  for (let attempt = 0; attempt < 3; attempt++) {
    // The usual case: a count within the current minute, under the limit.
    const counted = await countSendOnHead(storage, userId, now, counts.current, allocate, mark);
    if (counted.ok) return counted.seq;
    if (windowFull(counted.sendMark, now, limit)) throw window.refuse(now);
    // The first count of a new minute starts its window; if another request opened it first, count this one in it.
    const opened = await countSendOnHead(storage, userId, now, counts.open, allocate, mark);
    if (opened.ok) return opened.seq;
  }
  throw window.refuse(now);
}
