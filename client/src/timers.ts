import { host } from './host.js';

/** Time and timers, injectable so tests can drive them (vitest's fake timers also work with the default). */
export interface Timers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The host's clock and timers, looked up on every call. */
export const defaultTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const set = host().setTimeout;
    if (!set) throw new Error('no setTimeout in this environment: pass options.timers');
    return set(callback, ms);
  },
  clearTimeout: (handle) => host().clearTimeout?.(handle),
};

/** One named timer that can be (re)armed and cancelled. */
export class Timer {
  private handle: unknown;
  private armed = false;

  constructor(private readonly timers: Timers) {}

  get active(): boolean {
    return this.armed;
  }

  start(ms: number, callback: () => void): void {
    this.cancel();
    this.armed = true;
    this.handle = this.timers.setTimeout(() => {
      this.armed = false;
      this.handle = undefined;
      callback();
    }, Math.max(0, ms));
  }

  cancel(): void {
    if (!this.armed) return;
    this.timers.clearTimeout(this.handle);
    this.armed = false;
    this.handle = undefined;
  }
}

/** Sleeps that can all be cut short at once (when the client stops). */
export class Sleeper {
  private readonly pending = new Set<{ handle: unknown; wake: () => void }>();

  constructor(private readonly timers: Timers) {}

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        handle: undefined as unknown,
        wake: () => {
          this.pending.delete(entry);
          resolve();
        },
      };
      this.pending.add(entry);
      entry.handle = this.timers.setTimeout(entry.wake, Math.max(0, ms));
    });
  }

  wakeAll(): void {
    for (const entry of [...this.pending]) {
      this.timers.clearTimeout(entry.handle);
      entry.wake();
    }
  }
}
