import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HandlerFunction } from './handler-function.js';

export interface GroupFanOutProps {
  environment: Record<string, string>;
  tables: { connections: ITableV2; timelines: ITableV2; memberships: ITableV2; groupListeners: ITableV2; claims: ITableV2 };
  /** Grants the worker the right to push through the API's Management API. */
  grantPush(fn: HandlerFunction): void;
  maxConcurrency: number;
  /** How long a job waits on the queue before SQS drops it, in days (1 to 14). */
  retentionDays?: number;
  /** Days the worker's logs are kept. */
  logRetentionDays?: number;
}

/** The fan-out worker's timeout: one job writes at most a few hundred timeline items. */
export const FAN_OUT_WORKER_TIMEOUT = Duration.seconds(30);

/**
 * Group messages leave the send handler as jobs on a FIFO queue: one job per message and
 * recipient partition, grouped by `conversationId#partition`. FIFO groups keep each recipient's
 * items in conversation order while the partitions of one conversation, and all conversations,
 * are delivered in parallel. Jobs that keep failing go to the dead-letter queue.
 */
export class GroupFanOut extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly worker: HandlerFunction;

  constructor(scope: Construct, id: string, props: GroupFanOutProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      fifo: true,
      // The longest SQS allows: time to notice (the DLQ alarm), fix and redrive.
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new Queue(this, 'Jobs', {
      fifo: true,
      // High-throughput FIFO: the ordering and dedup unit is the message group, not the queue.
      deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      // AWS's guidance for Lambda consumers: at least six times the function timeout.
      visibilityTimeout: Duration.seconds(FAN_OUT_WORKER_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(props.retentionDays ?? 4),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // A job the worker defers for lack of time (functions/fan-out/batch-time-budget.ts) is
      // received again too: 10 receives leave room for a few deferrals before a real failure counts.
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 10 },
    });
    this.worker = new HandlerFunction(this, 'Worker', {
      handler: 'fan-out-worker',
      description: 'Delivers group messages and membership changes into members\u2019 timelines',
      // 512 MB: a batch of 10 jobs writes hundreds of items in parallel; more memory, more CPU for the SDK.
      memorySize: 512,
      timeout: FAN_OUT_WORKER_TIMEOUT,
      environment: props.environment,
      ...(props.logRetentionDays !== undefined ? { logRetentionDays: props.logRetentionDays } : {}),
    });
    this.worker.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency,
      }),
    );
    props.tables.timelines.grantReadWriteData(this.worker);
    props.tables.connections.grantReadWriteData(this.worker);
    props.tables.memberships.grantReadWriteData(this.worker);
    props.tables.groupListeners.grantReadWriteData(this.worker);
    props.tables.claims.grantReadWriteData(this.worker);
    props.grantPush(this.worker);
    // Large-group notifications page through listeners by enqueueing their own continuation.
    this.queue.grantSendMessages(this.worker);
    this.worker.addEnvironment('FAN_OUT_QUEUE_URL', this.queue.queueUrl);
  }
}
