import { USER_RATE_CLASS_NAMES, USER_RATE_CLASSES, userRateClassOf } from '@serverless-im/protocol';
import { describe, expect, it } from 'vitest';
import { DEFAULT_USER_RATE_LIMITS, DURABLE_CLASSES, UserLimiter, userRateLimitsFromEnv } from '../../../functions/limits/user-limits.js';
import type { Storage } from '../../../functions/storage/storage.js';

const noStorage = (): Storage => {
  throw new Error('an in-memory class touched storage');
};

describe('per-user limits by action class', () => {
  it('puts every action but send and ping in exactly one class', () => {
    const seen = new Map<string, string>();
    for (const name of USER_RATE_CLASS_NAMES) {
      for (const action of USER_RATE_CLASSES[name].actions) {
        expect(seen.has(action), action).toBe(false);
        seen.set(action, name);
      }
    }
    expect(userRateClassOf('send')).toBeUndefined();
    expect(userRateClassOf('ping')).toBeUndefined();
    expect(userRateClassOf('createGroup')).toBe('groupChanges');
    expect(userRateClassOf('unblock')).toBe('safety');
  });

  it('reads USER_RATE_LIMITS, keeping the default for a missing or invalid class', () => {
    expect(userRateLimitsFromEnv(undefined)).toEqual(DEFAULT_USER_RATE_LIMITS);
    expect(userRateLimitsFromEnv('not json')).toEqual(DEFAULT_USER_RATE_LIMITS);
    const limits = userRateLimitsFromEnv(JSON.stringify({ typing: 5, presence: 0, sync: 1.5, nonsense: 3 }));
    expect(limits).toEqual({ ...DEFAULT_USER_RATE_LIMITS, typing: 5 });
  });

  it('counts the in-memory classes per user with no I/O, refusing with userRate and the time until the next token', async () => {
    const limiter = new UserLimiter({ ...DEFAULT_USER_RATE_LIMITS, typing: 3 });
    const now = 1_000_000;
    for (let n = 0; n < 3; n++) await limiter.count(noStorage, 'typing', 'alice', now);
    await expect(limiter.count(noStorage, 'typing', 'alice', now)).rejects.toMatchObject({ code: 'RATE_LIMITED', reason: 'userRate', retryAfterMs: 20_000 });
    // Another user and another class have their own buckets.
    await limiter.count(noStorage, 'typing', 'bob', now);
    await limiter.count(noStorage, 'presence', 'alice', now);
    // 3 a minute: one more after 20 s.
    await limiter.count(noStorage, 'typing', 'alice', now + 20_000);
    await expect(limiter.count(noStorage, 'typing', 'alice', now + 20_000)).rejects.toMatchObject({ reason: 'userRate' });
    // Not limited per user here.
    for (let n = 0; n < 100; n++) await limiter.count(noStorage, 'ping', 'alice', now);
  });

  it('counts group changes durably (the timeline head), never in memory', () => {
    expect([...DURABLE_CLASSES]).toEqual(['groupChanges']);
  });
});
