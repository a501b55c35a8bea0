import { describe, expect, it } from 'vitest';
import { BatchTimeBudget } from '../../../functions/fan-out/batch-time-budget.js';
import { JobDeferredError } from '../../../functions/fan-out/errors.js';

/** A clock that a job advances by the time it "takes"; the invocation has 30 s. */
function invocation(timeoutMs = 30_000) {
  let now = 0;
  const budget = new BatchTimeBudget(() => timeoutMs - now, () => now, 3_000);
  const job = (takesMs: number) => budget.run(async () => {
    now += takesMs;
    return takesMs;
  });
  return { job, elapsed: () => now };
}

describe('the time budget of a fan-out batch', () => {
  it('always starts the first job, however long it turns out to be', async () => {
    const { job } = invocation(1_000);
    await expect(job(5_000)).resolves.toBe(5_000);
  });

  it('starts jobs while twice the longest so far and the margin still fit, then defers the rest', async () => {
    const { job, elapsed } = invocation();
    const ran: number[] = [];
    const deferred: number[] = [];
    for (let index = 0; index < 10; index++) {
      try {
        ran.push(await job(6_000));
      } catch (error) {
        expect(error).toBeInstanceOf(JobDeferredError);
        deferred.push(index);
      }
    }
    // 30 s: after 3 jobs 12 s are left, under 2 × 6 s + 3 s.
    expect(ran).toHaveLength(3);
    expect(deferred).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(elapsed()).toBeLessThanOrEqual(30_000);
  });

  it('runs a whole batch of quick jobs', async () => {
    const { job } = invocation();
    for (let index = 0; index < 10; index++) await expect(job(200)).resolves.toBe(200);
  });

  it('counts a job that failed toward the longest, so a slow failure also slows the batch down', async () => {
    let now = 0;
    const budget = new BatchTimeBudget(() => 30_000 - now, () => now, 3_000);
    await expect(budget.run(async () => {
      now += 12_000;
      throw new Error('throttled');
    })).rejects.toThrow('throttled');
    await expect(budget.run(async () => 'second')).rejects.toBeInstanceOf(JobDeferredError);
  });
});
