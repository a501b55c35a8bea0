import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { ErasureMode } from '@serverless-im/protocol/server-api';
import type { TableName } from './action-functions.js';
import type { AttachmentStorage } from './attachment-storage.js';
import { HandlerFunction } from './handler-function.js';
import type { PushNotifications } from './push-notifications.js';
import type { ServerApi } from './server-api.js';
import type { WebSocketGateway } from './websocket-gateway.js';

/** One slice of an erasure job: pages until 20 s are left (functions/handlers/user-erasure-worker.ts). */
export const ERASURE_WORKER_TIMEOUT = Duration.seconds(120);

export interface UserErasureProps {
  mode: ErasureMode;
  environment: Record<string, string>;
  tables: Record<TableName, ITableV2>;
  fanOutQueue: Queue;
  gateway: WebSocketGateway;
  attachments: AttachmentStorage;
  push: PushNotifications;
  serverApi: ServerApi;
  logRetentionDays?: number;
}

/**
 * `DELETE /v1/users/{id}` as a queue-driven job: a FIFO queue (one message group per user, so one
 * slice of a user's erasure runs at a time), its worker, a dead-letter queue for a slice that
 * keeps failing and an alarm on it (docs/operations.md#erasuredeadletters).
 */
export class UserErasure extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly worker: HandlerFunction;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: UserErasureProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', { fifo: true, retentionPeriod: Duration.days(14), encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true });
    this.queue = new Queue(this, 'Jobs', {
      fifo: true,
      visibilityTimeout: Duration.seconds(ERASURE_WORKER_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // A slice is retried from the saved position; five failures in a row are a bug to look at, not a load spike.
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    const { tables } = props;
    const environment = {
      ...props.environment,
      ERASURE_QUEUE_URL: this.queue.queueUrl,
      ERASURE_MODE: props.mode,
      DEVICES_TABLE: props.push.devices.tableName,
    };
    this.worker = new HandlerFunction(this, 'Worker', {
      handler: 'user-erasure-worker',
      description: "Erases a user, a slice of pages per message (DELETE /v1/users/{id})",
      timeout: ERASURE_WORKER_TIMEOUT,
      environment,
      ...(props.logRetentionDays !== undefined ? { logRetentionDays: props.logRetentionDays } : {}),
    });
    this.worker.addEventSource(new SqsEventSource(this.queue, { batchSize: 1 }));
    // It deletes and rewrites the user's items everywhere, and runs leaveGroup and recall.
    for (const table of Object.values(tables)) table.grantReadWriteData(this.worker);
    props.push.devices.grantReadWriteData(this.worker);
    this.worker.addToRolePolicy(new PolicyStatement({ actions: ['sns:DeleteEndpoint'], resources: props.push.endpointArns }));
    props.push.acknowledgeEndpoints(this.worker);
    props.gateway.grantPush(this.worker);
    props.gateway.grantDisconnect(this.worker);
    props.fanOutQueue.grantSendMessages(this.worker);
    props.attachments.grantDelete(this.worker);
    this.queue.grantSendMessages(this.worker);

    // The route functions: the request writes the record and queues the first slice.
    const erase = props.serverApi.functions.get('eraseUser')!;
    this.queue.grantSendMessages(erase);
    props.push.devices.grantReadData(erase);
    // The export route reads the user's push registrations (device id and platform).
    const exportFn = props.serverApi.functions.get('exportUser')!;
    props.push.devices.grantReadData(exportFn);
    exportFn.addEnvironment('DEVICES_TABLE', props.push.devices.tableName);
    for (const fn of [erase, props.serverApi.functions.get('erasureStatus')!]) {
      for (const [name, value] of Object.entries(environment)) fn.addEnvironment(name, value);
    }

    const stackName = Stack.of(this).stackName;
    this.deadLetterAlarm = new Alarm(this, 'ErasureDeadLetters', {
      alarmName: `${stackName}-ErasureDeadLetters`,
      alarmDescription: 'A slice of a user erasure failed five times and sits in the dead-letter queue: an erasure is stuck. Runbook: docs/operations.md#erasuredeadletters',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /** The stack's alarm topic, when there is one (`-c alarmEmail`). */
  notify(topic: ITopic | undefined): void {
    if (topic) {
      this.deadLetterAlarm.addAlarmAction(new SnsAction(topic));
      this.deadLetterAlarm.addOkAction(new SnsAction(topic));
    } else {
      Validations.of(this.deadLetterAlarm).acknowledge({
        id: 'AwsSolutions-CW1',
        reason: 'No -c alarmEmail given: the alarm shows in the console without notifying anyone (see docs/deployment.md).',
      });
    }
  }
}
