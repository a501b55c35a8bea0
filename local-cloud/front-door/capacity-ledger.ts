/** Request units consumed, as DynamoDB reports them in `ConsumedCapacity`. */
export interface CapacityUnits {
  read: number;
  write: number;
}

export interface CapacityEntry extends CapacityUnits {
  caller: string;
  operation: string;
  table: string;
}

/**
 * Every DynamoDB call the local functions make, with the units DynamoDB says it consumed.
 * Tests and benchmarks take a mark, do something, and ask what it cost.
 */
export class CapacityLedger {
  private readonly entries: CapacityEntry[] = [];

  record(entry: CapacityEntry): void {
    this.entries.push(entry);
    if (this.entries.length > 200_000) this.entries.splice(0, 100_000);
  }

  /** A position in the ledger; `since(mark)` returns what was recorded after it. */
  mark(): number {
    return this.entries.length;
  }

  since(mark: number): CapacityEntry[] {
    return this.entries.slice(mark);
  }

  static total(entries: readonly CapacityEntry[]): CapacityUnits & { calls: number; scans: number } {
    return entries.reduce(
      (sum, entry) => ({
        read: sum.read + entry.read,
        write: sum.write + entry.write,
        calls: sum.calls + 1,
        scans: sum.scans + (entry.operation === 'Scan' ? 1 : 0),
      }),
      { read: 0, write: 0, calls: 0, scans: 0 },
    );
  }
}
