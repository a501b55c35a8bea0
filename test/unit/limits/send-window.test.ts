import { describe, expect, it } from 'vitest';
import { retryAfterMs, sendCounts, sendRateLimited, WINDOW, windowFull } from '../../../functions/limits/send-window.js';

const minute = (n: number) => n * 60_000;

describe('the per-user send window', () => {
  it('counts within the current minute while under the limit, and opens a new window past it', () => {
    // Prepare
    const now = minute(100) + 12_345;
    // Act
    const counts = sendCounts(now, 60);
    // Assess: one number holds minute and count, so one condition checks both.
    expect(counts.current).toEqual({ window: 'current', from: 100 * WINDOW, upTo: 100 * WINDOW + 59 });
    expect(counts.open).toEqual({ window: 'new', olderThan: 100 * WINDOW, mark: 100 * WINDOW + 1 });
  });

  it('is full once the minute holds `limit` sends, and a mark from an earlier minute is not', () => {
    // Prepare
    const now = minute(7) + 1;
    // Act + Assess
    expect(windowFull(7 * WINDOW + 60, now, 60)).toBe(true);
    expect(windowFull(7 * WINDOW + 59, now, 60)).toBe(false);
    expect(windowFull(6 * WINDOW + 60, now, 60)).toBe(false);
    expect(windowFull(0, now, 60)).toBe(false);
  });

  it('asks a refused sender to retry when the next minute opens', () => {
    // Act
    const error = sendRateLimited(minute(3) + 59_000);
    // Assess
    expect(retryAfterMs(minute(3))).toBe(60_000);
    expect(retryAfterMs(minute(3) + 59_999)).toBe(1);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', reason: 'sendRate', retryAfterMs: 1_000 });
  });
});
