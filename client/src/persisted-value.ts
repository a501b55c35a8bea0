import type { JsonValue, StorageAdapter } from './storage.js';

/**
 * One key of the store, written behind: `set` returns at once, writes happen one at a time in
 * order, and a burst of updates collapses into a write of the latest value. `flush` waits until
 * everything set so far is stored.
 */
export class PersistedValue<T extends JsonValue> {
  private pending: { value: T | undefined } | undefined;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly store: StorageAdapter,
    readonly key: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  async load(): Promise<T | undefined> {
    try {
      return (await this.store.get(this.key)) as T | undefined;
    } catch (error) {
      this.onError(error);
      return undefined;
    }
  }

  /** Schedules a write of `value` (`undefined` deletes the key). */
  set(value: T | undefined): void {
    this.pending = { value };
    if (!this.writing) this.writing = this.drain();
  }

  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending) {
        const { value } = this.pending;
        this.pending = undefined;
        try {
          if (value === undefined) await this.store.delete(this.key);
          else await this.store.set(this.key, value);
        } catch (error) {
          this.onError(error);
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}
