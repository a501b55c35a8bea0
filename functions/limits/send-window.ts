import { RateLimitedError } from '../errors/request-errors.js';
import { countSendOnHead, type SendCount } from '../storage/timelines/index.js';
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
  const counts = sendCounts(now, limit);
  for (let attempt = 0; attempt < 3; attempt++) {
    // The usual case: a send within the current minute, under the limit.
    const counted = await countSendOnHead(storage, userId, now, counts.current, allocate);
    if (counted.ok) return counted.seq;
    if (windowFull(counted.sendMark, now, limit)) throw sendRateLimited(now);
    // The first send of a new minute starts its window; if another send opened it first, count this one in it.
    const opened = await countSendOnHead(storage, userId, now, counts.open, allocate);
    if (opened.ok) return opened.seq;
  }
  throw sendRateLimited(now);
}
