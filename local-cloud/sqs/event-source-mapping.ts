/**
 * The local stand-in for a Lambda event-source mapping on an SQS queue: pollers receive
 * batches through the SQS API, invoke the function with the SQS event, and delete what the
 * function processed, with AWS's rules for partial batch responses. Anything not deleted
 * comes back after the queue's visibility timeout and, after maxReceiveCount receives, is
 * moved to the dead-letter queue by SQS itself (the queue's RedrivePolicy), as in AWS.
 *
 * Works against any SQS endpoint (local-aws-sqs, LocalStack), because it only uses the API.
 */
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import type { FunctionInvoker } from '../lambda/invoker.js';
import { outcomeOfResult, recordsToDelete, type BatchOutcome } from './batch-response.js';
import { deleteMessages } from './delete-messages.js';
import { receiveBatch } from './receive-batch.js';
import { toSqsEvent } from './sqs-event.js';
import { sleep } from './sleep.js';

export type MappingLogger = (level: 'warn' | 'error', message: string, error?: unknown) => void;

export interface SqsEventSourceMappingOptions {
  client: SQSClient;
  queueUrl: string;
  /** Becomes each record's eventSourceARN. */
  queueArn: string;
  /** Becomes each record's awsRegion. */
  region: string;
  functionName: string;
  invoker: FunctionInvoker;
  /** Messages per invocation: 1-10000 (1-10 for FIFO queues); above 10 needs a batching window. Default 10. */
  batchSize?: number;
  /** How long to keep gathering once the first message of a batch arrived (AWS: 0-300 s; FIFO: 0 only). Default 0. */
  maximumBatchingWindowMs?: number;
  /** FunctionResponseTypes: ['ReportBatchItemFailures']: honour `batchItemFailures`. */
  reportBatchItemFailures: boolean;
  /** ScalingConfig.MaximumConcurrency: batches in flight at once (AWS: 2-1000). Default 2. */
  maximumConcurrency?: number;
  /** Long-poll WaitTimeSeconds (0-20). Default 1, so stop() never waits long for a poll. */
  pollWaitSeconds?: number;
  /** Where poller errors and failed batches are reported. Default: console. */
  logger?: MappingLogger;
}

/** Back-off after a failed receive (queue deleted, endpoint down): doubles up to the cap. */
const FIRST_RETRY_DELAY_MS = 100;
const MAX_RETRY_DELAY_MS = 5_000;
/** Pause between empty short polls when pollWaitSeconds is 0, so a poller does not spin. */
const EMPTY_SHORT_POLL_PAUSE_MS = 100;

const consoleLogger: MappingLogger = (level, message, error) => {
  const line = `[sqs-event-source] ${message}`;
  const write = level === 'error' ? console.error : console.warn;
  if (error === undefined) write(line);
  else write(line, error);
};

export class SqsEventSourceMapping {
  readonly #options: Required<SqsEventSourceMappingOptions>;
  #run: { abort: AbortController; pollers: Promise<void>[]; stopped?: Promise<void> } | undefined;

  constructor(options: SqsEventSourceMappingOptions) {
    this.#options = {
      ...options,
      batchSize: options.batchSize ?? 10,
      maximumBatchingWindowMs: options.maximumBatchingWindowMs ?? 0,
      maximumConcurrency: options.maximumConcurrency ?? 2,
      pollWaitSeconds: options.pollWaitSeconds ?? 1,
      logger: options.logger ?? consoleLogger,
    };
    validate(this.#options);
  }

  get running(): boolean {
    return this.#run !== undefined && this.#run.stopped === undefined;
  }

  /** Starts maximumConcurrency pollers, each with at most one batch in flight. Idempotent. */
  start(): void {
    if (this.#run) {
      if (this.#run.stopped) throw new Error('SqsEventSourceMapping.start() called while stop() is in progress');
      return;
    }
    const abort = new AbortController();
    const pollers = Array.from({ length: this.#options.maximumConcurrency }, () =>
      // #poll handles its own errors; the catch is the guarantee of no unhandled rejection.
      this.#poll(abort.signal).catch((error: unknown) => this.#log('error', 'poller crashed', error)),
    );
    this.#run = { abort, pollers };
  }

  /**
   * Stops polling and resolves once every in-flight batch has been invoked and its processed
   * messages deleted. A long poll already under way finishes (at most pollWaitSeconds) and
   * what it returns is still processed; nothing received is ever dropped, and anything not
   * deleted is simply delivered again after its visibility timeout.
   */
  stop(): Promise<void> {
    const run = this.#run;
    if (!run) return Promise.resolve();
    run.stopped ??= (async () => {
      run.abort.abort();
      await Promise.all(run.pollers);
      this.#run = undefined;
    })();
    return run.stopped;
  }

  async #poll(signal: AbortSignal): Promise<void> {
    const { client, queueUrl, batchSize, maximumBatchingWindowMs, pollWaitSeconds } = this.#options;
    let retryDelay = FIRST_RETRY_DELAY_MS;
    while (!signal.aborted) {
      let messages: Message[];
      try {
        messages = await receiveBatch({ client, queueUrl, batchSize, maximumBatchingWindowMs, pollWaitSeconds, signal });
        retryDelay = FIRST_RETRY_DELAY_MS;
      } catch (error) {
        this.#log('error', `receiving from ${queueUrl} failed; retrying in ${retryDelay} ms`, error);
        await sleep(retryDelay, signal);
        retryDelay = Math.min(retryDelay * 2, MAX_RETRY_DELAY_MS);
        continue;
      }
      if (messages.length > 0) await this.#process(messages);
      else if (pollWaitSeconds === 0) await sleep(EMPTY_SHORT_POLL_PAUSE_MS, signal);
    }
  }

  /** One batch: invoke, then delete what the outcome says was processed. Never throws. */
  async #process(messages: Message[]): Promise<void> {
    const { client, queueUrl, queueArn, region, functionName, invoker, reportBatchItemFailures } = this.#options;
    let event: SQSEvent;
    try {
      event = toSqsEvent(messages, { queueArn, region });
    } catch (error) {
      this.#log('error', `malformed messages from ${queueUrl}; they will be delivered again`, error);
      return;
    }

    let outcome: BatchOutcome;
    try {
      const result = await invoker.invoke(functionName, event);
      outcome = outcomeOfResult(result, event.Records, reportBatchItemFailures);
    } catch (error) {
      // FunctionError or anything else: Lambda deletes nothing and lets the messages come
      // back after the visibility timeout (and go to the DLQ after maxReceiveCount).
      outcome = { kind: 'failure', reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
    if (outcome.kind === 'failure') {
      this.#log('warn', `${functionName} failed a batch of ${event.Records.length} from ${queueArn} (${outcome.reason}); it will be retried`);
    }

    const handles = recordsToDelete(event.Records, outcome).map((record) => record.receiptHandle);
    if (handles.length === 0) return;
    try {
      for (const failure of await deleteMessages(client, queueUrl, handles)) {
        this.#log('error', `could not delete a processed message from ${queueUrl} (${failure.reason}); it will be delivered again`);
      }
    } catch (error) {
      this.#log('error', `deleting ${handles.length} processed messages from ${queueUrl} failed; they will be delivered again`, error);
    }
  }

  /** A throwing logger must not take a poller down with it. */
  #log(level: 'warn' | 'error', message: string, error?: unknown): void {
    try {
      this.#options.logger(level, message, error);
    } catch {
      // Nothing sensible left to report to.
    }
  }
}

/** The limits CreateEventSourceMapping enforces, so a configuration that AWS rejects fails here too. */
function validate(options: Required<SqsEventSourceMappingOptions>): void {
  const { batchSize, maximumBatchingWindowMs, maximumConcurrency, pollWaitSeconds, queueArn } = options;
  const fifo = queueArn.endsWith('.fifo');
  const maxBatch = fifo ? 10 : 10_000;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > maxBatch) {
    throw new RangeError(`batchSize must be an integer from 1 to ${maxBatch}${fifo ? ' for a FIFO queue' : ''}, got ${batchSize}`);
  }
  if (!Number.isFinite(maximumBatchingWindowMs) || maximumBatchingWindowMs < 0 || maximumBatchingWindowMs > 300_000) {
    throw new RangeError(`maximumBatchingWindowMs must be from 0 to 300000, got ${maximumBatchingWindowMs}`);
  }
  if (fifo && maximumBatchingWindowMs > 0) {
    throw new RangeError('a FIFO queue takes no batching window: maximumBatchingWindowMs must be 0 (as in AWS)');
  }
  if (batchSize > 10 && maximumBatchingWindowMs === 0) {
    throw new RangeError('a batchSize above 10 requires a maximumBatchingWindowMs above 0 (as in AWS)');
  }
  if (!Number.isInteger(maximumConcurrency) || maximumConcurrency < 2 || maximumConcurrency > 1000) {
    throw new RangeError(`maximumConcurrency must be an integer from 2 to 1000, got ${maximumConcurrency}`);
  }
  if (!Number.isInteger(pollWaitSeconds) || pollWaitSeconds < 0 || pollWaitSeconds > 20) {
    throw new RangeError(`pollWaitSeconds must be an integer from 0 to 20, got ${pollWaitSeconds}`);
  }
}
