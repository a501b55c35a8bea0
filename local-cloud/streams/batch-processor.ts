/**
 * Delivers one batch of a shard to the function until Lambda would be done with it: it succeeded,
 * or its records were discarded (too old, or retries exhausted, reported to the on-failure
 * destination). Until then the batch blocks its shard (its lane, with ParallelizationFactor), so
 * records are processed strictly in order.
 * Rules (services-dynamodb-errors, services-ddb-batchfailurereporting):
 * - a function error retries the batch; BisectBatchOnFunctionError splits it in two first (a split
 *   does not count as a retry), and each half is delivered in order;
 * - a partial batch response checkpoints before the lowest reported sequence number and retries
 *   from there (also with bisect on);
 * - MaximumRetryAttempts counts failed invocations (-1: until the records expire);
 * - records older than MaximumRecordAgeInSeconds (-1: the stream's 24 h) are discarded before any
 *   invocation;
 * - an invocation that never reached the function (throttled, function missing) is retried
 *   without counting, until the records expire.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { FunctionError, type FunctionInvoker } from '../lambda/invoker.js';
import { sleep } from '../sqs/sleep.js';
import { type DiscardCondition, type FailureDestination, failureRecord, type StreamFailureRecord } from './on-failure-destination.js';
import { outcomeOfStreamResult } from './stream-batch-response.js';
import { toStreamEvent } from './stream-event.js';

export interface PolledRecord {
  event: DynamoDBRecord;
  sequenceNumber: string;
  createdAtMs: number;
  /** When the mapping read it: a batching window opens with its first record. */
  readAtMs: number;
  /** Bytes of the record in the event (6 MB per invocation). */
  size: number;
}

export type MappingLogger = (level: 'info' | 'warn' | 'error', message: string, error?: unknown) => void;

export interface BatchProcessorOptions {
  functionName: string;
  functionArn: string;
  streamArn: string;
  invoker: FunctionInvoker;
  reportBatchItemFailures: boolean;
  bisectBatchOnFunctionError: boolean;
  maximumRetryAttempts: number;
  maximumRecordAgeSeconds: number;
  onFailure: FailureDestination | undefined;
  /** Every failure record, sent or not (a mapping without destination only drops the batch). */
  failures: StreamFailureRecord[];
  now: () => number;
  logger: MappingLogger;
  signal: AbortSignal;
  /** Pause before the first retry, doubling up to the cap (AWS does not document its own). */
  retryDelayMs: { first: number; max: number };
}

/** The stream's retention: records older than this are gone from DynamoDB Streams. */
export const STREAM_RETENTION_SECONDS = 24 * 60 * 60;

/** Errors that mean the invocation never reached the function (Lambda retries them uncounted). */
const NOT_INVOKED = new Set(['ResourceNotFoundException', 'ServiceException', 'TooManyRequestsException']);

type Attempt =
  | { kind: 'success' }
  | { kind: 'partial'; retryFrom: number }
  | { kind: 'function-error'; reason: string }
  | { kind: 'not-invoked'; reason: string };

export class BatchProcessor {
  constructor(private readonly options: BatchProcessorOptions) {}

  /**
   * Resolves when the batch is done with (true), or when the mapping stops first (false: the
   * rest of the batch stays unprocessed).
   */
  async process(shardId: string, batch: readonly PolledRecord[], retriesSoFar = 0): Promise<boolean> {
    const { maximumRetryAttempts, signal, retryDelayMs } = this.options;
    let pending = [...batch];
    let retries = retriesSoFar;
    let invocations = 0;
    let lastInvocation: 'function-error' | 'partial-failure' | undefined;
    let delay = retryDelayMs.first;
    while (pending.length > 0) {
      if (signal.aborted) return false;
      const expired = this.#expiredPrefix(pending);
      if (expired > 0) {
        await this.#discard(shardId, pending.slice(0, expired), 'RecordAgeExceeded', invocations, lastInvocation);
        pending = pending.slice(expired);
        continue;
      }
      const attempt = await this.#invoke(pending);
      if (attempt.kind === 'success') return true;
      if (attempt.kind === 'not-invoked') {
        this.#log('warn', `could not invoke ${this.options.functionName} (${attempt.reason}); retrying`);
      } else {
        invocations++;
        if (attempt.kind === 'partial') {
          lastInvocation = 'partial-failure';
          pending = pending.slice(attempt.retryFrom);
        } else {
          lastInvocation = 'function-error';
          if (this.options.bisectBatchOnFunctionError && pending.length > 1) {
            const middle = Math.ceil(pending.length / 2);
            this.#log('warn', `${this.options.functionName} failed a batch of ${pending.length} (${attempt.reason}); bisecting`);
            return (await this.process(shardId, pending.slice(0, middle), retries)) && this.process(shardId, pending.slice(middle), retries);
          }
        }
        retries++;
        const reason = attempt.kind === 'partial' ? `reported ${pending[0]!.sequenceNumber} failed` : attempt.reason;
        if (maximumRetryAttempts >= 0 && retries > maximumRetryAttempts) {
          this.#log('warn', `${this.options.functionName} failed a batch of ${pending.length} on ${shardId} (${reason}); retries exhausted, discarding it`);
          await this.#discard(shardId, pending, 'RetryAttemptsExhausted', invocations, lastInvocation);
          return !signal.aborted;
        }
        this.#log('warn', `${this.options.functionName} failed a batch of ${pending.length} on ${shardId} (${reason}); the shard waits for its retry`);
      }
      await sleep(delay, signal);
      delay = Math.min(delay * 2, retryDelayMs.max);
    }
    return true;
  }

  #expiredPrefix(records: readonly PolledRecord[]): number {
    const maxAgeSeconds = this.options.maximumRecordAgeSeconds >= 0 ? this.options.maximumRecordAgeSeconds : STREAM_RETENTION_SECONDS;
    const now = this.options.now();
    let count = 0;
    while (count < records.length && now - records[count]!.createdAtMs > maxAgeSeconds * 1000) count++;
    return count;
  }

  async #invoke(records: readonly PolledRecord[]): Promise<Attempt> {
    const events = records.map((record) => record.event);
    let result: unknown;
    try {
      result = await this.options.invoker.invoke(this.options.functionName, toStreamEvent(events));
    } catch (error) {
      const reason = error instanceof Error ? `${error instanceof FunctionError ? error.errorType : error.name}: ${error.message}` : String(error);
      if (error instanceof FunctionError && NOT_INVOKED.has(error.errorType)) return { kind: 'not-invoked', reason };
      return { kind: 'function-error', reason };
    }
    const outcome = outcomeOfStreamResult(result, events, this.options.reportBatchItemFailures);
    if (outcome.kind === 'failure') return { kind: 'function-error', reason: outcome.reason };
    // Reporting the first record as failed retries the whole batch: a failed invocation too.
    return outcome;
  }

  async #discard(shardId: string, records: readonly PolledRecord[], condition: DiscardCondition, invocations: number, lastInvocation: 'function-error' | 'partial-failure' | undefined): Promise<void> {
    const record = failureRecord({
      condition,
      shardId,
      streamArn: this.options.streamArn,
      functionArn: this.options.functionArn,
      records,
      approximateInvokeCount: invocations,
      ...(lastInvocation ? { lastInvocation } : {}),
    });
    this.options.failures.push(record);
    const destination = this.options.onFailure;
    if (!destination) {
      this.#log('warn', `discarded ${records.length} records of ${shardId} (${condition}); the mapping has no on-failure destination`);
      return;
    }
    // Lambda does not move on before the destination has the record: keep trying while running.
    let delay = this.options.retryDelayMs.first;
    while (!this.options.signal.aborted) {
      try {
        await destination.send(record);
        return;
      } catch (error) {
        this.#log('error', `could not send the failure record to ${destination.arn}; retrying`, error);
        await sleep(delay, this.options.signal);
        delay = Math.min(delay * 2, this.options.retryDelayMs.max);
      }
    }
  }

  #log(level: 'info' | 'warn' | 'error', message: string, error?: unknown): void {
    try {
      this.options.logger(level, message, error);
    } catch {
      // A throwing logger must not take the shard down.
    }
  }
}
