/**
 * Token buckets kept in the memory of one Lambda instance, keyed by connection. They cost nothing
 * on the hot path (no I/O) and stop a flooding connection at the instances it hits; the durable
 * per-user send window (`send-window.ts`) and the stage's throttling bound the rest.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly capacity: number,
    private readonly refillPerSecond: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Takes one token for `key`; false when the bucket is empty. */
  take(key: string, now: number): boolean {
    const tokens = this.tokensAt(key, now);
    this.buckets.delete(key);
    if (this.buckets.size >= this.maxKeys) {
      // Forget the least recently used key (Map keeps insertion order; a used key is re-inserted).
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    const allowed = tokens >= 1;
    this.buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, at: now });
    return allowed;
  }

  /** How long until `key` has a token again (0 when it has one now). */
  retryAfterMs(key: string, now: number): number {
    const missing = 1 - this.tokensAt(key, now);
    return missing <= 0 ? 0 : Math.ceil((missing / this.refillPerSecond) * 1000);
  }

  private tokensAt(key: string, now: number): number {
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    return Math.min(this.capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.refillPerSecond);
  }
}
