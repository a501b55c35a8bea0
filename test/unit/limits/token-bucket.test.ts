import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../../functions/limits/token-bucket.js';

describe('TokenBuckets', () => {
  it('lets a burst of `capacity` requests through, then refuses', () => {
    // Prepare
    const buckets = new TokenBuckets(3, 1);
    // Act
    const outcomes = [0, 0, 0, 0].map(() => buckets.take('c1', 1_000));
    // Assess
    expect(outcomes).toEqual([true, true, true, false]);
  });

  it('refills at the given rate, never beyond capacity', () => {
    // Prepare
    const buckets = new TokenBuckets(2, 10);
    buckets.take('c1', 0);
    buckets.take('c1', 0);
    // Act + Assess: 100 ms give one token back at 10 per second.
    expect(buckets.take('c1', 50)).toBe(false);
    expect(buckets.take('c1', 150)).toBe(true);
    // An hour idle refills to 2, not to 36,000.
    expect([0, 0, 0].map(() => buckets.take('c1', 3_600_000))).toEqual([true, true, false]);
  });

  it('keeps connections apart', () => {
    // Prepare
    const buckets = new TokenBuckets(1, 1);
    // Act
    buckets.take('flooder', 0);
    // Assess
    expect(buckets.take('flooder', 0)).toBe(false);
    expect(buckets.take('neighbour', 0)).toBe(true);
  });

  it('says how long until the next token', () => {
    // Prepare
    const buckets = new TokenBuckets(1, 4);
    // Act
    buckets.take('c1', 0);
    // Assess
    expect(buckets.retryAfterMs('c1', 0)).toBe(250);
    expect(buckets.retryAfterMs('c1', 100)).toBe(150);
    expect(buckets.retryAfterMs('c1', 250)).toBe(0);
    expect(buckets.retryAfterMs('fresh', 0)).toBe(0);
  });

  it('forgets the least recently used key beyond maxKeys (its next request gets a full bucket)', () => {
    // Prepare
    const buckets = new TokenBuckets(1, 0, 2);
    buckets.take('a', 0);
    buckets.take('b', 0);
    buckets.take('a', 0); // refused, but `a` is now the most recently used
    // Act
    buckets.take('c', 0); // evicts `b`
    // Assess
    expect(buckets.take('a', 0)).toBe(false);
    expect(buckets.take('b', 0)).toBe(true);
  });
});
