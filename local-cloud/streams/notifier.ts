/**
 * Wakes the loops of a mapping when something they wait for happened (records read, a batch done,
 * a test asking to drain), so nothing polls faster than Lambda does and nothing waits longer than
 * it must. Waiting never rejects.
 */
export class Notifier {
  readonly #waiters = new Set<() => void>();

  notify(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Resolves on the next notify(), after `timeoutMs` (if given), or when `signal` aborts. */
  wait(timeoutMs: number | undefined, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(done, Math.max(0, timeoutMs));
      signal.addEventListener('abort', done, { once: true });
      this.#waiters.add(done);
    });
  }
}

/**
 * The order of events across every stream mapping of a local cloud, for `drained()`: a mapping
 * has drained when each of its shards came back empty from a read that started after the drain
 * was asked for and after the last batch any mapping completed (whose function may have written
 * more records), with nothing left to deliver.
 */
export class DrainClock {
  #tick = 0;
  #lastCompletion = 0;
  readonly changes = new Notifier();

  get now(): number {
    return this.#tick;
  }

  get lastCompletion(): number {
    return this.#lastCompletion;
  }

  /** A new point in time (a drain request). */
  advance(): number {
    return ++this.#tick;
  }

  /** A batch finished: what its function wrote comes after this point. */
  batchCompleted(): void {
    this.#lastCompletion = ++this.#tick;
    this.changes.notify();
  }

  changed(): void {
    this.changes.notify();
  }
}
