import { USER_RATE_CLASS_NAMES, USER_RATE_CLASSES, type UserRateClass, userRateClassOf } from '@serverless-im/protocol';
import { RateLimitedError } from '../errors/request-errors.js';
import type { Storage } from '../storage/storage.js';
import { countInWindow, retryAfterMs } from './send-window.js';
import { TokenBuckets } from './token-bucket.js';

/**
 * Per-user limits of every action but `send` and `ping`, by class (USER_RATE_CLASSES in the
 * protocol package). Two kinds, chosen by what the class costs (docs/protocol-notes.md, "Per-user
 * limits"):
 *
 * - **durable** (`groupChanges`): a one-minute window on the user's timeline head, the same
 *   conditional counter as the send window. It costs one small write, next to the dozens a group
 *   change makes (memberships, system items, fan-out), and holds across every Lambda instance.
 * - **in memory** (every other class): a token bucket per user in this Lambda instance's memory,
 *   refilling at the class's rate per minute. No I/O at all, which matters because these actions
 *   are reads or ephemeral signals whose whole cost is one or two requests: a durable counter
 *   would double it. A user spread over k warm instances of the function can reach k × the limit;
 *   the per-connection bucket (at most 10 requests a second per connection), the connection cap
 *   per user (`maxConnectionsPerUser`) and the stage throttling bound that product.
 */
export const DURABLE_CLASSES: ReadonlySet<UserRateClass> = new Set<UserRateClass>(['groupChanges']);

export type UserRateLimits = Record<UserRateClass, number>;

export const DEFAULT_USER_RATE_LIMITS: UserRateLimits = Object.fromEntries(
  USER_RATE_CLASS_NAMES.map((name) => [name, USER_RATE_CLASSES[name].perMinute]),
) as UserRateLimits;

/**
 * The limits of this deployment: USER_RATE_LIMITS is a JSON object of per-minute limits by class
 * (the stack sets it from the CDK context; tests shorten it). Unknown classes and values that are
 * not positive whole numbers are ignored, keeping the default.
 */
export function userRateLimitsFromEnv(text = process.env.USER_RATE_LIMITS): UserRateLimits {
  const limits = { ...DEFAULT_USER_RATE_LIMITS };
  if (!text) return limits;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return limits;
  }
  if (typeof parsed !== 'object' || parsed === null) return limits;
  for (const name of USER_RATE_CLASS_NAMES) {
    const value = (parsed as Record<string, unknown>)[name];
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1) limits[name] = value;
  }
  return limits;
}

export const userRateLimited = (rateClass: UserRateClass, retryAfter: number): RateLimitedError =>
  new RateLimitedError(`too many ${rateClass} requests from this user; retry in a moment`, { reason: 'userRate', retryAfterMs: retryAfter });

/** Where each class's durable window lives on the timeline head. */
const DURABLE_MARK = { groupChanges: 'groupChangesMark' } as const;

export class UserLimiter {
  private readonly buckets = new Map<UserRateClass, TokenBuckets>();

  constructor(private readonly limits: UserRateLimits = userRateLimitsFromEnv()) {}

  /** The class `action` counts against (undefined: not limited per user here). */
  classOf(action: string): UserRateClass | undefined {
    return userRateClassOf(action);
  }

  /** Counts one request of `action` by `userId`; throws RATE_LIMITED `userRate` over the class's limit. */
  async count(storage: () => Storage, action: string, userId: string, now: number): Promise<void> {
    const rateClass = this.classOf(action);
    if (rateClass === undefined) return;
    const limit = this.limits[rateClass];
    if (DURABLE_CLASSES.has(rateClass)) {
      await countInWindow(storage(), userId, now, {
        allocate: false,
        limit,
        mark: DURABLE_MARK[rateClass as keyof typeof DURABLE_MARK],
        refuse: (at) => userRateLimited(rateClass, retryAfterMs(at)),
      });
      return;
    }
    let buckets = this.buckets.get(rateClass);
    if (!buckets) {
      buckets = new TokenBuckets(limit, limit / 60);
      this.buckets.set(rateClass, buckets);
    }
    if (!buckets.take(userId, now)) throw userRateLimited(rateClass, buckets.retryAfterMs(userId, now));
  }
}
