import type { ThrottleSettings } from '../template/read-http-api.js';

/**
 * Stage throttling as API Gateway applies it: a token bucket per route, holding up to the burst
 * limit and refilled at the rate limit (requests per second). The stage's default route settings
 * apply to every route, a route's own settings replace them field by field; without any, only the
 * account's limits apply (10,000 per second, burst 5,000).
 */

const ACCOUNT_LIMITS = { burstLimit: 5_000, rateLimit: 10_000 };

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly burstLimit: number,
    private readonly ratePerSecond: number,
    private readonly now: () => number,
  ) {
    this.tokens = burstLimit;
    this.updatedAt = now();
  }

  /** Takes one token; false when none is left (the request is throttled). */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burstLimit, this.tokens + ((now - this.updatedAt) / 1000) * this.ratePerSecond);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class StageThrottle {
  private readonly buckets = new Map<string, TokenBucket | null>();

  constructor(
    private readonly defaults: ThrottleSettings | undefined,
    private readonly routes: Readonly<Record<string, ThrottleSettings>>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a request to `routeKey` may go on now. */
  allow(routeKey: string): boolean {
    let bucket = this.buckets.get(routeKey);
    if (bucket === undefined) {
      const settings = { ...this.defaults, ...this.routes[routeKey] };
      bucket =
        settings.burstLimit === undefined && settings.rateLimit === undefined
          ? null
          : new TokenBucket(settings.burstLimit ?? ACCOUNT_LIMITS.burstLimit, settings.rateLimit ?? ACCOUNT_LIMITS.rateLimit, this.now);
      this.buckets.set(routeKey, bucket);
    }
    return bucket === null || bucket.take();
  }
}
