/**
 * One shard of a stream, as Lambda's poller handles it: it reads the shard in order from its
 * starting position (GetRecords, 4 times a second while idle), drops the records the mapping's
 * filters reject, deals the others to ParallelizationFactor lanes by partition key (one key,
 * one lane, so each key stays in order), and delivers each lane's batches one at a time. A shard
 * that DynamoDB closed is done once it is read to its end and every batch is done with.
 */
import {
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type ShardIteratorType,
  TrimmedDataAccessException,
  type _Record as StreamsRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { EventFilter } from '../lambda/filter-criteria.js';
import { sleep } from '../sqs/sleep.js';
import type { BatchProcessor, MappingLogger, PolledRecord } from './batch-processor.js';
import type { DrainClock } from './notifier.js';
import { Notifier } from './notifier.js';
import { creationTimeMs, type StreamSource, toLambdaRecord } from './stream-event.js';

export interface ShardWorkerOptions {
  client: DynamoDBStreamsClient;
  /** The stream as DynamoDB names it (the API calls). */
  localStreamArn: string;
  shardId: string;
  start: { type: Extract<ShardIteratorType, 'TRIM_HORIZON' | 'LATEST'> } | { type: 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string };
  source: StreamSource;
  partitionKey: string;
  filter: EventFilter;
  batchSize: number;
  maximumBatchingWindowMs: number;
  parallelizationFactor: number;
  processor: BatchProcessor;
  clock: DrainClock;
  now: () => number;
  pollIntervalMs: number;
  /** Called with the last sequence number done with, whenever it moves. */
  onCheckpoint?: (sequenceNumber: string) => void;
  logger: MappingLogger;
  signal: AbortSignal;
}

/** GetRecords returns at most 1000 records per call. */
const MAX_RECORDS_PER_READ = 1000;
/** Synchronous invocation payload limit. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
const ERROR_RETRY_MS = { first: 100, max: 5_000 };

interface Lane {
  queue: QueuedRecord[];
  busy: boolean;
}

/** A record waiting for its lane, with the sequence number read just before it (its checkpoint once it is done). */
type QueuedRecord = PolledRecord & { previous: string | undefined };

export class ShardWorker {
  readonly shardId: string;
  readonly #options: ShardWorkerOptions;
  readonly #lanes: Lane[];
  readonly #wake = new Notifier();
  #iterator: string | undefined;
  #lastRead: string | undefined;
  #readComplete = false;
  #emptyReadTick = -1;
  #run: Promise<void> | undefined;
  #finished = false;

  constructor(options: ShardWorkerOptions) {
    this.#options = options;
    this.shardId = options.shardId;
    this.#lanes = Array.from({ length: options.parallelizationFactor }, () => ({ queue: [], busy: false }));
    options.signal.addEventListener('abort', () => this.#wake.notify(), { once: true });
  }

  /** Gets the first iterator (a LATEST one must exist before the mapping's start() returns), then runs. */
  async begin(): Promise<void> {
    await this.#acquireIterator();
    this.#run = Promise.all([this.#read(), ...this.#lanes.map((lane) => this.#deliver(lane))]).then(
      () => {
        this.#finished = !this.#options.signal.aborted;
      },
      // Each loop handles its own errors; this only keeps a bug from becoming an unhandled rejection.
      (error: unknown) => this.#log('error', `the poller of ${this.shardId} crashed`, error),
    );
  }

  /** The shard is closed, read to its end, and every batch of it is done with. */
  get finished(): boolean {
    return this.#finished;
  }

  /** Resolves when the shard is closed, read to its end and every batch is done with (or the mapping stopped). */
  get done(): Promise<void> {
    return this.#run ?? Promise.resolve();
  }

  /** Drained as of `since`: nothing buffered or in flight, and the shard read empty (or to its end) after `since`. */
  drainedSince(since: number): boolean {
    if (this.#lanes.some((lane) => lane.busy || lane.queue.length > 0)) return false;
    return this.#readComplete || this.#emptyReadTick >= since;
  }

  /** Read again now rather than at the next poll (a drain was asked for). */
  nudge(): void {
    this.#wake.notify();
  }

  async #acquireIterator(): Promise<void> {
    const { client, localStreamArn, shardId } = this.#options;
    const position = this.#lastRead
      ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: this.#lastRead }
      : this.#options.start.type === 'AFTER_SEQUENCE_NUMBER'
        ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: this.#options.start.sequenceNumber }
        : { ShardIteratorType: this.#options.start.type };
    const { ShardIterator } = await client.send(new GetShardIteratorCommand({ StreamArn: localStreamArn, ShardId: shardId, ...position }));
    this.#iterator = ShardIterator;
    if (!ShardIterator) this.#readComplete = true;
  }

  get #buffered(): number {
    return this.#lanes.reduce((sum, lane) => sum + lane.queue.length, 0);
  }

  async #read(): Promise<void> {
    const { client, signal, pollIntervalMs, batchSize, parallelizationFactor, clock } = this.#options;
    // Enough to fill every lane's next batch twice; more would only sit in memory.
    const cap = Math.max(2 * batchSize * parallelizationFactor, MAX_RECORDS_PER_READ);
    let errorDelay = ERROR_RETRY_MS.first;
    while (!signal.aborted && !this.#readComplete) {
      if (this.#buffered >= cap) {
        await this.#wake.wait(undefined, signal);
        continue;
      }
      const startedAt = clock.now;
      let records: StreamsRecord[];
      let next: string | undefined;
      try {
        if (!this.#iterator) await this.#acquireIterator();
        if (this.#readComplete) break;
        const answer = await client.send(new GetRecordsCommand({ ShardIterator: this.#iterator, Limit: Math.min(MAX_RECORDS_PER_READ, cap - this.#buffered) }));
        records = answer.Records ?? [];
        next = answer.NextShardIterator;
        errorDelay = ERROR_RETRY_MS.first;
      } catch (error) {
        if (error instanceof ExpiredIteratorException) {
          this.#iterator = undefined;
          continue;
        }
        if (error instanceof TrimmedDataAccessException) {
          // DynamoDB Local answers this for an iterator taken while the shard was empty, once
          // another stream has used the next sequence number: everything in the shard now came
          // after that iterator's position, so nothing is skipped by starting at the trim horizon.
          if (this.#lastRead !== undefined) this.#log('warn', `records of ${this.shardId} were trimmed before they were read; going on from the trim horizon`);
          this.#iterator = undefined;
          this.#lastRead = undefined;
          this.#options.start = { type: 'TRIM_HORIZON' };
          continue;
        }
        this.#log('error', `reading ${this.shardId} of ${this.#options.source.streamArn} failed; retrying in ${errorDelay} ms`, error);
        await sleep(errorDelay, signal);
        errorDelay = Math.min(errorDelay * 2, ERROR_RETRY_MS.max);
        continue;
      }
      this.#accept(records);
      this.#checkpoint();
      if (!next) this.#readComplete = true;
      else this.#iterator = next;
      if (records.length === 0) this.#emptyReadTick = startedAt;
      this.#wake.notify();
      clock.changed();
      if (records.length === 0 && !this.#readComplete) await this.#wake.wait(pollIntervalMs, signal);
    }
  }

  #accept(records: readonly StreamsRecord[]): void {
    const { source, filter, now, partitionKey, parallelizationFactor } = this.#options;
    const readAt = now();
    for (const raw of records) {
      const sequenceNumber = raw.dynamodb?.SequenceNumber;
      const previous = this.#lastRead;
      if (sequenceNumber) this.#lastRead = sequenceNumber;
      let polled: QueuedRecord;
      try {
        const createdAtMs = creationTimeMs(raw, readAt);
        const event = toLambdaRecord(raw, source, createdAtMs);
        polled = { event, sequenceNumber: sequenceNumber!, createdAtMs, readAtMs: readAt, size: Buffer.byteLength(JSON.stringify(event)), previous };
      } catch (error) {
        this.#log('error', `skipping a record of ${this.shardId} the local cloud cannot read`, error);
        continue;
      }
      // Filtered-out records count as processed: they never reach the function.
      if (!filter.matches(polled.event)) continue;
      const key = JSON.stringify(raw.dynamodb?.Keys?.[partitionKey] ?? null);
      this.#lanes[laneOf(key, parallelizationFactor)]!.queue.push(polled);
    }
  }

  async #deliver(lane: Lane): Promise<void> {
    const { signal, batchSize, maximumBatchingWindowMs, processor, clock, now } = this.#options;
    while (!signal.aborted) {
      const first = lane.queue[0];
      if (!first) {
        if (this.#readComplete) return;
        await this.#wake.wait(undefined, signal);
        continue;
      }
      // The batching window opens with the batch's first record and closes early when the batch
      // is full (or the shard has ended: no more records can come).
      const windowEnd = first.readAtMs + maximumBatchingWindowMs;
      if (lane.queue.length < batchSize && !this.#readComplete && now() < windowEnd) {
        await this.#wake.wait(windowEnd - now(), signal);
        continue;
      }
      const batch = takeBatch(lane.queue, batchSize);
      lane.busy = true;
      const finished = await processor.process(this.shardId, batch);
      lane.busy = false;
      if (!finished) return;
      lane.queue.splice(0, batch.length);
      this.#checkpoint();
      clock.batchCompleted();
      this.#wake.notify();
    }
  }

  /** Everything read before the oldest record still waiting in any lane is done with. */
  #checkpoint(): void {
    if (!this.#options.onCheckpoint) return;
    let oldest: QueuedRecord | undefined;
    for (const lane of this.#lanes) {
      const head = lane.queue[0];
      if (head && (!oldest || BigInt(head.sequenceNumber) < BigInt(oldest.sequenceNumber))) oldest = head;
    }
    const done = oldest ? oldest.previous : this.#lastRead;
    if (done !== undefined && done !== this.#checkpointed) {
      this.#checkpointed = done;
      this.#options.onCheckpoint(done);
    }
  }

  #checkpointed: string | undefined;

  #log(level: 'info' | 'warn' | 'error', message: string, error?: unknown): void {
    try {
      this.#options.logger(level, message, error);
    } catch {
      // Nothing sensible left to report to.
    }
  }
}

function takeBatch(queue: readonly QueuedRecord[], batchSize: number): QueuedRecord[] {
  const batch: QueuedRecord[] = [];
  let bytes = 0;
  for (const record of queue) {
    if (batch.length >= batchSize || (batch.length > 0 && bytes + record.size > MAX_PAYLOAD_BYTES)) break;
    batch.push(record);
    bytes += record.size;
  }
  return batch;
}

/** Same key, same lane (FNV-1a of the key's JSON). */
function laneOf(key: string, lanes: number): number {
  if (lanes === 1) return 0;
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % lanes;
}
