/**
 * The local stand-in for a Lambda event-source mapping on a DynamoDB stream: it finds the
 * stream's shards (DescribeStream), runs one ShardWorker per shard, a child shard only after its
 * parent is done (shard lineage, as Lambda keeps order across splits), and invokes the function
 * with real DynamoDB Streams event batches. Works against any DynamoDB Streams endpoint (DynamoDB
 * Local, LocalStack), because it only uses the API.
 */
import { setMaxListeners } from 'node:events';
import { DescribeStreamCommand, type DynamoDBStreamsClient, type Shard } from '@aws-sdk/client-dynamodb-streams';
import { EventFilter } from '../lambda/filter-criteria.js';
import type { FunctionInvoker } from '../lambda/invoker.js';
import { sleep } from '../sqs/sleep.js';
import { BatchProcessor, type MappingLogger } from './batch-processor.js';
import { DrainClock, Notifier } from './notifier.js';
import type { CheckpointStore } from './checkpoint-store.js';
import type { FailureDestination, StreamFailureRecord } from './on-failure-destination.js';
import { ShardWorker } from './shard-worker.js';

export type { MappingLogger };

export interface StreamEventSourceMappingOptions {
  client: DynamoDBStreamsClient;
  /** The stream as DynamoDB names it. */
  localStreamArn: string;
  /** The stream as the stack names it: eventSourceARN of the records. */
  streamArn: string;
  region: string;
  partitionKey: string;
  functionName: string;
  functionArn: string;
  invoker: FunctionInvoker;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** 1-10000; default 100. */
  batchSize?: number;
  /** 0-300 s; default 0. */
  maximumBatchingWindowMs?: number;
  reportBatchItemFailures?: boolean;
  bisectBatchOnFunctionError?: boolean;
  /** -1 (default): until the records expire. */
  maximumRetryAttempts?: number;
  /** -1 (default): the stream's retention. */
  maximumRecordAgeSeconds?: number;
  /** 1-10 lanes per shard; default 1. */
  parallelizationFactor?: number;
  /** FilterCriteria patterns (JSON text). */
  filterPatterns?: readonly string[];
  onFailure?: FailureDestination;
  /** Where each shard's progress is kept across restarts (`--data-dir`), under the mapping's id. */
  checkpoints?: { store: CheckpointStore; mappingId: string };
  /** Shared by the mappings of one local cloud, for drained(). */
  clock?: DrainClock;
  /** How often an idle shard is read; Lambda's is 4 times a second. */
  pollIntervalMs?: number;
  /** How often the shard list is read again for new (child) shards. Default 5 s. */
  shardDiscoveryIntervalMs?: number;
  retryDelayMs?: { first: number; max: number };
  /** Test-only: the clock record ages are measured with. */
  now?: () => number;
  logger?: MappingLogger;
}

const consoleLogger: MappingLogger = (level, message, error) => {
  const write = level === 'error' ? console.error : level === 'warn' ? console.warn : console.log;
  if (error === undefined) write(`[dynamodb-streams] ${message}`);
  else write(`[dynamodb-streams] ${message}`, error);
};

interface Run {
  abort: AbortController;
  loop: Promise<void>;
  stopped?: Promise<void>;
}

export class StreamEventSourceMapping {
  readonly #options: StreamEventSourceMappingOptions;
  readonly #clock: DrainClock;
  readonly #filter: EventFilter;
  readonly #workers = new Map<string, ShardWorker>();
  /** Shards seen but not started yet: their parent is not done. */
  readonly #waiting = new Map<string, Shard>();
  readonly #discover = new Notifier();
  #describedAt = -1;
  #run: Run | undefined;
  /** Every failure record this mapping produced, oldest first. */
  readonly failures: StreamFailureRecord[] = [];

  constructor(options: StreamEventSourceMappingOptions) {
    this.#options = options;
    this.#clock = options.clock ?? new DrainClock();
    this.#filter = EventFilter.fromPatterns(options.filterPatterns ?? []);
    validate(options);
  }

  get functionName(): string {
    return this.#options.functionName;
  }

  get streamArn(): string {
    return this.#options.streamArn;
  }

  /**
   * Reads the shard list and positions every open shard (LATEST: at its end now, so every record
   * written after start() resolves is delivered), then polls until stop().
   */
  async start(): Promise<void> {
    if (this.#run) throw new Error('the mapping is already running');
    const abort = new AbortController();
    // Every lane of every shard waits on it.
    setMaxListeners(0, abort.signal);
    const processor = this.#processor(abort.signal);
    const initial = await this.#describe();
    const startedAt = this.#clock.now;
    for (const shard of initial) {
      const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
      // LATEST skips what is already in the stream, closed shards included (unless a previous
      // run of this mapping was part way through them).
      if (this.#options.startingPosition === 'LATEST' && closed && this.#checkpointOf(shard.ShardId!) === undefined) continue;
      this.#waiting.set(shard.ShardId!, shard);
    }
    this.#describedAt = startedAt;
    await this.#startReadyShards(processor, abort.signal, this.#options.startingPosition);
    const loop = this.#discoverLoop(processor, abort.signal).catch((error: unknown) => this.#log('error', 'shard discovery crashed', error));
    this.#run = { abort, loop };
  }

  /** Stops polling; resolves once in-flight invocations are done. What was not delivered stays in the stream. */
  stop(): Promise<void> {
    const run = this.#run;
    if (!run) return Promise.resolve();
    run.stopped ??= (async () => {
      run.abort.abort();
      await run.loop;
      await Promise.all([...this.#workers.values()].map((worker) => worker.done));
      this.#clock.changed();
    })();
    return run.stopped;
  }

  /** The shards being read or done with; `finished`: closed, read to the end, every batch done. */
  get shards(): { shardId: string; finished: boolean }[] {
    return [...this.#workers.values()].map((worker) => ({ shardId: worker.shardId, finished: worker.finished }));
  }

  get running(): boolean {
    return this.#run !== undefined && this.#run.stopped === undefined;
  }

  /** Every record written before `since` (a DrainClock tick) has been delivered or discarded. */
  drainedSince(since: number): boolean {
    if (!this.running) return true;
    if (this.#describedAt < since || this.#waiting.size > 0) return false;
    return [...this.#workers.values()].every((worker) => worker.drainedSince(Math.max(since, this.#clock.lastCompletion)));
  }

  /** Read shards and the shard list now rather than at the next poll. */
  nudge(): void {
    this.#discover.notify();
    for (const worker of this.#workers.values()) worker.nudge();
  }

  #processor(signal: AbortSignal): BatchProcessor {
    const o = this.#options;
    return new BatchProcessor({
      functionName: o.functionName,
      functionArn: o.functionArn,
      streamArn: o.streamArn,
      invoker: o.invoker,
      reportBatchItemFailures: o.reportBatchItemFailures ?? false,
      bisectBatchOnFunctionError: o.bisectBatchOnFunctionError ?? false,
      maximumRetryAttempts: o.maximumRetryAttempts ?? -1,
      maximumRecordAgeSeconds: o.maximumRecordAgeSeconds ?? -1,
      onFailure: o.onFailure,
      failures: this.failures,
      now: o.now ?? Date.now,
      logger: o.logger ?? consoleLogger,
      signal,
      retryDelayMs: o.retryDelayMs ?? { first: 200, max: 5_000 },
    });
  }

  async #describe(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.#options.client.send(
        new DescribeStreamCommand({ StreamArn: this.#options.localStreamArn, ...(exclusiveStartShardId ? { ExclusiveStartShardId: exclusiveStartShardId } : {}) }),
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    return shards;
  }

  /** Starts every waiting shard whose parent is done, or was never read (trimmed, or before LATEST). */
  async #startReadyShards(processor: BatchProcessor, signal: AbortSignal, startingPosition: 'TRIM_HORIZON' | 'LATEST'): Promise<void> {
    for (const [shardId, shard] of [...this.#waiting]) {
      const parentId = shard.ParentShardId;
      if (parentId && (this.#waiting.has(parentId) || this.#workers.get(parentId)?.finished === false)) continue;
      this.#waiting.delete(shardId);
      const worker = this.#worker(shardId, processor, signal, startingPosition);
      this.#workers.set(shardId, worker);
      await worker.begin();
      void worker.done.then(() => this.#discover.notify());
    }
  }

  #checkpointOf(shardId: string): string | undefined {
    const checkpoints = this.#options.checkpoints;
    return checkpoints?.store.get(checkpoints.mappingId, this.#options.localStreamArn, shardId);
  }

  #worker(shardId: string, processor: BatchProcessor, signal: AbortSignal, startingPosition: 'TRIM_HORIZON' | 'LATEST'): ShardWorker {
    const o = this.#options;
    const checkpoint = this.#checkpointOf(shardId);
    const checkpoints = o.checkpoints;
    return new ShardWorker({
      client: o.client,
      localStreamArn: o.localStreamArn,
      shardId,
      start: checkpoint ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: checkpoint } : { type: startingPosition },
      ...(checkpoints ? { onCheckpoint: (sequenceNumber: string) => checkpoints.store.set(checkpoints.mappingId, o.localStreamArn, shardId, sequenceNumber) } : {}),
      source: { streamArn: o.streamArn, region: o.region },
      partitionKey: o.partitionKey,
      filter: this.#filter,
      batchSize: o.batchSize ?? 100,
      maximumBatchingWindowMs: o.maximumBatchingWindowMs ?? 0,
      parallelizationFactor: o.parallelizationFactor ?? 1,
      processor,
      clock: this.#clock,
      now: o.now ?? Date.now,
      pollIntervalMs: o.pollIntervalMs ?? 250,
      logger: o.logger ?? consoleLogger,
      signal,
    });
  }

  async #discoverLoop(processor: BatchProcessor, signal: AbortSignal): Promise<void> {
    let errorDelay = 100;
    while (!signal.aborted) {
      await this.#discover.wait(this.#options.shardDiscoveryIntervalMs ?? 5_000, signal);
      if (signal.aborted) return;
      const startedAt = this.#clock.now;
      try {
        for (const shard of await this.#describe()) {
          // Shards found after start are children of known ones: read them from their start.
          if (!this.#workers.has(shard.ShardId!) && !this.#waiting.has(shard.ShardId!)) this.#waiting.set(shard.ShardId!, shard);
        }
        // A worker whose shard is done has nothing more to say about draining.
        await this.#startReadyShards(processor, signal, 'TRIM_HORIZON');
        this.#describedAt = startedAt;
        this.#clock.changed();
        errorDelay = 100;
      } catch (error) {
        this.#log('error', `DescribeStream ${this.#options.streamArn} failed; retrying`, error);
        await sleep(errorDelay, signal);
        errorDelay = Math.min(errorDelay * 2, 5_000);
      }
    }
  }

  #log(level: 'info' | 'warn' | 'error', message: string, error?: unknown): void {
    try {
      (this.#options.logger ?? consoleLogger)(level, message, error);
    } catch {
      // Nothing sensible left to report to.
    }
  }
}

/** The limits CreateEventSourceMapping enforces for DynamoDB streams. */
function validate(options: StreamEventSourceMappingOptions): void {
  const check = (name: string, value: number, min: number, max: number): void => {
    if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  };
  check('batchSize', options.batchSize ?? 100, 1, 10_000);
  check('maximumBatchingWindowMs', options.maximumBatchingWindowMs ?? 0, 0, 300_000);
  check('maximumRetryAttempts', options.maximumRetryAttempts ?? -1, -1, 10_000);
  check('parallelizationFactor', options.parallelizationFactor ?? 1, 1, 10);
  const age = options.maximumRecordAgeSeconds ?? -1;
  if (age !== -1) check('maximumRecordAgeSeconds', age, 60, 604_800);
}
