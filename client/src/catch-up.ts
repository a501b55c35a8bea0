import { errorCode } from './errors.js';
import type { Sleeper } from './timers.js';

export interface PageOutcome {
  /** The cursor moved. */
  progressed: boolean;
  /** The server has more after this page. */
  hasMore: boolean;
  /** Items are still buffered behind a gap after this page. */
  gapRemains: boolean;
}

export interface CatchUpDeps {
  /** Fetches one page after the current cursor and applies it. */
  fetchPage(): Promise<PageOutcome>;
  connected(): boolean;
  sleeper: Sleeper;
  /** Wait after a page that made no progress: base * 2^(n-1), at most max, ms. */
  stallDelay: { baseMs: number; maxMs: number };
  /** Gives up on a gap the server does not fill after this many complete passes. */
  maxGapPasses: number;
  /** A gap was given up on: forget the buffered items. */
  abandonGap(): void;
  /** An error that ends this run; the next trigger starts over. */
  failed(error: unknown): void;
}

const PERMANENT = new Set(['BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'TOO_LARGE']);

/**
 * The pull half of push-then-pull: fetch pages until the server says there is no more. One run
 * at a time; a trigger during a run makes it do one more pass. A page with `hasMore` but no
 * progress means the server is waiting behind a seq being written: wait a little and ask again.
 */
export class CatchUpLoop {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly deps: CatchUpDeps) {}

  get busy(): boolean {
    return this.running !== undefined;
  }

  trigger(): Promise<void> {
    this.stopped = false;
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Ends the current run at its next step. */
  stop(): void {
    this.stopped = true;
    this.again = false;
  }

  private async run(): Promise<void> {
    let stalls = 0;
    let gapPasses = 0;
    for (;;) {
      if (this.stopped || !this.deps.connected()) return;
      let page: PageOutcome;
      try {
        page = await this.deps.fetchPage();
      } catch (error) {
        const code = errorCode(error);
        if (this.stopped) return;
        if (code === 'DISCONNECTED') {
          // The next connection triggers a new run; if one is already up (the old link was
          // replaced under us), carry on there.
          if (!this.deps.connected()) return;
          await this.deps.sleeper.sleep(this.delay(++stalls));
          continue;
        }
        if (PERMANENT.has(code)) {
          this.deps.failed(error);
          return;
        }
        this.deps.failed(error);
        await this.deps.sleeper.sleep(this.delay(++stalls));
        continue;
      }
      if (page.progressed) stalls = 0;
      if (page.hasMore) {
        if (!page.progressed) await this.deps.sleeper.sleep(this.delay(++stalls));
        continue;
      }
      if (page.gapRemains) {
        // The server says it has nothing more, yet a pushed item is still ahead of us: it may be
        // behind a write in progress. Ask again a few times, then leave it to the next trigger.
        if (++gapPasses > this.deps.maxGapPasses) {
          this.deps.abandonGap();
          return;
        }
        await this.deps.sleeper.sleep(this.delay(++stalls));
        continue;
      }
      if (!this.again) return;
      this.again = false;
    }
  }

  private delay(stalls: number): number {
    const { baseMs, maxMs } = this.deps.stallDelay;
    return Math.min(maxMs, baseMs * 2 ** Math.min(stalls - 1, 20));
  }
}
