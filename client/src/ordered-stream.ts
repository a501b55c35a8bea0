/** What `offer` did with an item. */
export type OfferOutcome = 'applied' | 'duplicate' | 'buffered';

/**
 * Applies numbered items exactly once and in order: `cursor` is the highest contiguous position
 * applied; an item at `cursor + 1` is applied (with any buffered successors), one at or below the
 * cursor is a duplicate, one further ahead waits in a bounded buffer until the gap is filled.
 */
export class OrderedStream<T> {
  private readonly buffer = new Map<number, T>();

  constructor(
    private position: number,
    private readonly apply: (position: number, item: T) => void,
    private readonly maxBuffered = 1000,
  ) {}

  get cursor(): number {
    return this.position;
  }

  /** Items waiting behind a gap. */
  get buffered(): number {
    return this.buffer.size;
  }

  offer(position: number, item: T): OfferOutcome {
    if (!Number.isSafeInteger(position) || position <= this.position) return 'duplicate';
    if (position > this.position + 1) {
      // Past the bound, drop the item: the catch-up will fetch it again anyway.
      if (this.buffer.size < this.maxBuffered || this.buffer.has(position)) this.buffer.set(position, item);
      return 'buffered';
    }
    this.advance(position, item);
    for (let next = this.buffer.get(this.position + 1); next !== undefined; next = this.buffer.get(this.position + 1)) {
      this.buffer.delete(this.position + 1);
      this.advance(this.position + 1, next);
    }
    return 'applied';
  }

  /** Forgets what waits behind the gap (the catch-up will fetch it again). */
  clearBuffer(): void {
    this.buffer.clear();
  }

  private advance(position: number, item: T): void {
    this.position = position;
    this.apply(position, item);
  }
}
