import { CatchUpLoop } from './catch-up.js';
import { OrderedStream } from './ordered-stream.js';
import type { PersistedValue } from './persisted-value.js';
import type { SyncResult, TimelineItem } from './protocol.js';
import type { Sleeper } from './timers.js';

export interface TimelineDeps {
  lastSeq: PersistedValue<number>;
  sync(after: number, limit: number): Promise<SyncResult>;
  connected(): boolean;
  sleeper: Sleeper;
  pageSize: number;
  stallDelay: { baseMs: number; maxMs: number };
  /** Called once per seq, in seq order (void items included). */
  apply(item: TimelineItem): void;
  /** A catch-up pass found nothing more to fetch. */
  caughtUp(lastSeq: number): void;
  error(error: unknown): void;
}

/**
 * The user's timeline, push then pull (PROTOCOL.md): `lastSeq` is the highest contiguous seq
 * applied (persisted); pushed items are applied in order, duplicates dropped, and one ahead of a
 * gap is buffered while `sync` fetches what is missing.
 */
export class Timeline {
  private stream: OrderedStream<TimelineItem>;
  private readonly loop: CatchUpLoop;

  constructor(private readonly deps: TimelineDeps) {
    this.stream = this.newStream(0);
    this.loop = new CatchUpLoop({
      fetchPage: () => this.fetchPage(),
      connected: deps.connected,
      sleeper: deps.sleeper,
      stallDelay: deps.stallDelay,
      maxGapPasses: 5,
      abandonGap: () => this.stream.clearBuffer(),
      failed: deps.error,
    });
  }

  get lastSeq(): number {
    return this.stream.cursor;
  }

  get syncing(): boolean {
    return this.loop.busy;
  }

  async load(): Promise<void> {
    const stored = await this.deps.lastSeq.load();
    this.stream = this.newStream(typeof stored === 'number' && Number.isSafeInteger(stored) && stored > 0 ? stored : 0);
  }

  /** A pushed (or locally known) item: applied now if it is next, else buffered and pulled. */
  offer(item: TimelineItem): void {
    if (this.stream.offer(item.seq, item) === 'buffered') void this.sync();
  }

  /** Pulls everything after `lastSeq` until the server has no more. */
  sync(): Promise<void> {
    return this.loop.trigger();
  }

  stop(): void {
    this.loop.stop();
  }

  private newStream(cursor: number): OrderedStream<TimelineItem> {
    return new OrderedStream<TimelineItem>(cursor, (seq, item) => {
      this.deps.lastSeq.set(seq);
      this.deps.apply(item);
    });
  }

  private async fetchPage() {
    const after = this.stream.cursor;
    const page = await this.deps.sync(after, this.deps.pageSize);
    for (const item of page.items) this.stream.offer(item.seq, item);
    const outcome = { progressed: this.stream.cursor > after, hasMore: page.hasMore, gapRemains: this.stream.buffered > 0 };
    if (!outcome.hasMore && !outcome.gapRemains) this.deps.caughtUp(this.stream.cursor);
    return outcome;
  }
}
