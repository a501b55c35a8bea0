import { JobDeferredError } from './errors.js';

/**
 * Keeps a batch of fan-out jobs inside its function's timeout. A batch that runs out of time is
 * killed whole: none of its jobs is acknowledged, all of them come back, and a batch that is
 * always too slow (DynamoDB throttling, a cold table) would make no progress and end in the
 * dead-letter queue. So a job starts only while the time left covers twice the longest job seen
 * in this invocation plus a margin; the first job always starts, so every invocation makes
 * progress. A job that does not start is reported failed and SQS delivers it again.
 */
export class BatchTimeBudget {
  #longestMs = 0;
  #started = 0;

  constructor(
    private readonly remainingMs: () => number,
    private readonly now: () => number = Date.now,
    private readonly marginMs = 3_000,
  ) {}

  /** Runs `job` if there is time for it, else throws JobDeferredError without running it. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    const remaining = this.remainingMs();
    if (this.#started > 0 && remaining < 2 * this.#longestMs + this.marginMs) throw new JobDeferredError(remaining);
    this.#started++;
    const startedAt = this.now();
    try {
      return await job();
    } finally {
      this.#longestMs = Math.max(this.#longestMs, this.now() - startedAt);
    }
  }
}
