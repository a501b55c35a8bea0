export interface BackoffOptions {
  /** Upper bound of the first delay, ms. */
  baseDelayMs: number;
  /** Upper bound of any delay, ms. */
  maxDelayMs: number;
}

/**
 * Exponential backoff with full jitter: attempt n (from 0) waits a uniformly random time in
 * [0, min(maxDelayMs, baseDelayMs * 2^n)). `random` is injectable for deterministic tests.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** Attempts made since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** The delay before the next attempt; counts the attempt. */
  next(): number {
    return this.delay(this.attempt++);
  }

  /** A delay for attempt n (from 0), drawn afresh; counts nothing. */
  delay(attempt: number): number {
    const ceiling = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** Math.min(Math.max(0, attempt), 30));
    return Math.floor(this.random() * ceiling);
  }

  reset(): void {
    this.attempt = 0;
  }
}
