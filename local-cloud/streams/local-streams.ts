/**
 * The stack's DynamoDB stream mappings, running: one StreamEventSourceMapping per enabled
 * `AWS::Lambda::EventSourceMapping` on a table stream, and the handle tests use to wait for them
 * (`cloud.streams.drained()`) instead of sleeping.
 */
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { FunctionInvoker } from '../lambda/invoker.js';
import type { CloudModel, FunctionSpec } from '../template/cloud-model.js';
import type { PhysicalResource } from '../template/intrinsics.js';
import type { CheckpointStore } from './checkpoint-store.js';
import { DrainClock } from './notifier.js';
import { type FailureDestination, snsFailureDestination, sqsFailureDestination, type StreamFailureRecord } from './on-failure-destination.js';
import { type MappingLogger, StreamEventSourceMapping } from './stream-event-source-mapping.js';
import type { TableStreams } from './table-streams.js';

export interface LocalStreams {
  /** The running mappings, one per enabled stream event-source mapping of the template. */
  readonly mappings: readonly StreamEventSourceMapping[];
  /** Every failure record (retries exhausted, records too old), mapping by mapping, oldest first. */
  readonly failures: readonly StreamFailureRecord[];
  /**
   * Resolves once every mapping has delivered, filtered out or discarded every record written so
   * far, including records the consumers themselves wrote while this waited: tests await this
   * instead of sleeping. Never resolves while a failing batch blocks a shard (set
   * MaximumRetryAttempts, as on AWS, to bound that). Rejects if the mappings stop first.
   * `ignore`: mappings whose function name contains one of these are not waited for (e.g. the
   * delivery repair, whose one-minute batching window would hold every wait a minute).
   */
  drained(options?: { ignore?: readonly string[] }): Promise<void>;
  /** Stops polling; in-flight invocations finish first. */
  stop(): Promise<void>;
}

export interface StartStreamMappingsOptions {
  model: CloudModel;
  tableStreams: TableStreams;
  resources: ReadonlyMap<string, PhysicalResource>;
  dynamoDbEndpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  invoker: FunctionInvoker;
  sqsClient: SQSClient;
  /** A queue's URL on SQS itself (not the front door), by logical id. */
  queueUrlOf(logicalId: string): string;
  /** Keeps each shard's progress across restarts (the local cloud's `--data-dir`). */
  checkpoints?: CheckpointStore;
  /** The local SNS, once the local cloud has one; until then SNS failure records are only kept. */
  publishToTopic?: (topicArn: string, message: string) => Promise<void>;
  logger?: MappingLogger;
}

export async function startStreamMappings(options: StartStreamMappingsOptions): Promise<LocalStreams> {
  const { model, tableStreams, resources } = options;
  const clock = new DrainClock();
  const snsKept: StreamFailureRecord[] = [];
  const client = new DynamoDBStreamsClient({ endpoint: options.dynamoDbEndpoint, region: model.region, credentials: options.credentials });
  const mappings: StreamEventSourceMapping[] = [];
  let stopped = false;
  const stopAll = async (): Promise<void> => {
    stopped = true;
    await Promise.all(mappings.map((mapping) => mapping.stop()));
    clock.changed();
    client.destroy();
  };

  try {
    for (const spec of model.streamEventSourceMappings.filter((candidate) => candidate.enabled)) {
      if (spec.tumblingWindowSeconds !== undefined) {
        throw new Error(`${spec.logicalId}: TumblingWindowInSeconds is not emulated by the local cloud (its functions would get no window state)`);
      }
      const stream = tableStreams.streams.get(spec.tableLogicalId);
      if (!stream) throw new Error(`${spec.logicalId}: ${spec.tableLogicalId} has no stream locally`);
      const fn = functionOf(model, spec.functionLogicalId);
      let onFailure: FailureDestination | undefined;
      if (spec.onFailure?.type === 'sqs') {
        onFailure = sqsFailureDestination(options.sqsClient, options.queueUrlOf(spec.onFailure.logicalId), resources.get(spec.onFailure.logicalId)!.attributes.Arn!);
      } else if (spec.onFailure?.type === 'sns') {
        const topicArn = resources.get(spec.onFailure.logicalId)!.ref;
        if (!options.publishToTopic) console.warn(`[dynamodb-streams] ${spec.logicalId}: no local SNS yet; failure records for ${topicArn} are kept in cloud.streams.failures only`);
        onFailure = snsFailureDestination(topicArn, options.publishToTopic, snsKept);
      }
      const mapping = new StreamEventSourceMapping({
        client,
        localStreamArn: stream.localStreamArn,
        streamArn: stream.streamArn,
        region: model.region,
        partitionKey: stream.partitionKey,
        functionName: fn.name,
        functionArn: fn.arn,
        invoker: options.invoker,
        startingPosition: spec.startingPosition,
        batchSize: spec.batchSize,
        maximumBatchingWindowMs: spec.maximumBatchingWindowSeconds * 1000,
        reportBatchItemFailures: spec.reportBatchItemFailures,
        bisectBatchOnFunctionError: spec.bisectBatchOnFunctionError,
        maximumRetryAttempts: spec.maximumRetryAttempts,
        maximumRecordAgeSeconds: spec.maximumRecordAgeSeconds,
        parallelizationFactor: spec.parallelizationFactor,
        filterPatterns: spec.filterPatterns,
        clock,
        ...(options.checkpoints ? { checkpoints: { store: options.checkpoints, mappingId: spec.logicalId } } : {}),
        ...(onFailure ? { onFailure } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      });
      await mapping.start();
      mappings.push(mapping);
    }
  } catch (error) {
    await stopAll();
    throw error;
  }

  return {
    mappings,
    get failures() {
      return mappings.flatMap((mapping) => mapping.failures);
    },
    async drained(options = {}) {
      const ignored = (mapping: { functionName: string }): boolean => (options.ignore ?? []).some((part) => mapping.functionName.includes(part));
      const since = clock.advance();
      const idle = new AbortController();
      for (;;) {
        if (stopped) throw new Error('the stream mappings stopped before they drained');
        const pending = mappings.filter((mapping) => !ignored(mapping) && !mapping.drainedSince(since));
        if (pending.length === 0) return;
        for (const mapping of pending) mapping.nudge();
        // Re-checked on every read and batch; the timeout only bounds a missed wake-up.
        await clock.changes.wait(1_000, idle.signal);
      }
    },
    stop: stopAll,
  };
}

function functionOf(model: CloudModel, logicalId: string): FunctionSpec {
  const fn = model.functions.find((candidate) => candidate.logicalId === logicalId);
  if (!fn) throw new Error(`unknown function ${logicalId}`);
  return fn;
}
