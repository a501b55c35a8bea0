import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, type ITableV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { PushConfig } from '../config.js';
import { HandlerFunction } from './handler-function.js';
import { PushApplications } from './push-applications.js';
import type { WebSocketGateway } from './websocket-gateway.js';

export interface PushNotificationsProps {
  config: PushConfig;
  environment: Record<string, string>;
  tables: { connections: ITableV2; timelines: ITableV2; conversations: ITableV2; memberships: ITableV2; claims: ITableV2 };
  gateway: WebSocketGateway;
  retainData: boolean;
  deletionProtection: boolean;
  maxConcurrency: number;
  logRetentionDays?: number;
}

/** The notification worker's timeout: one job publishes to one user's few devices, or expands one large-group message. */
export const PUSH_WORKER_TIMEOUT = Duration.seconds(30);

/**
 * Offline push notifications (APNs and FCM through Amazon SNS mobile push):
 *
 * - Devices table (`userId` + `deviceId`): each registered device's token and SNS endpoint; the
 *   `byEndpoint` index finds who holds an endpoint when a token moves to another user.
 * - The dispatcher reads the Timelines and Conversations streams: every timeline item of type
 *   `message` and every large-group message becomes a job on the notification queue, and so does
 *   every recall (a recall's `update` items; a recalled large-group message's `withdrawPending`). A stream
 *   record exists once the item is committed, so no crash of a writer can lose a notification,
 *   and nothing is added to the send reply's path or to the fan-out workers'.
 * - The notification queue (FIFO, one message group per user: a user's notifications and badges
 *   go out in order) and its worker, which finds the user's devices without a live connection,
 *   applies mute, computes the badge and publishes once per device under a claim.
 * - `registerPush`, `unregisterPush` (CreatePlatformEndpoint, the token-move recipe) and `mute`.
 */
export class PushNotifications extends Construct {
  readonly devices: TableV2;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly dispatchFailures: Queue;
  readonly worker: HandlerFunction;
  readonly dispatcher: HandlerFunction;
  readonly registration: HandlerFunction;
  readonly mute: HandlerFunction;
  /** The SNS endpoints of the platform applications (ARN patterns), and the cdk-nag note their `*` needs: for the erasure worker's DeleteEndpoint. */
  readonly endpointArns: string[];
  readonly acknowledgeEndpoints: (fn: HandlerFunction) => void;
  static readonly BY_ENDPOINT_INDEX = 'byEndpoint';

  constructor(scope: Construct, id: string, props: PushNotificationsProps) {
    super(scope, id);
    const { tables } = props;
    const logs = props.logRetentionDays !== undefined ? { logRetentionDays: props.logRetentionDays } : {};
    this.devices = new TableV2(this, 'Devices', {
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection,
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      partitionKey: { name: 'userId', type: AttributeType.STRING },
      sortKey: { name: 'deviceId', type: AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          indexName: PushNotifications.BY_ENDPOINT_INDEX,
          partitionKey: { name: 'endpointArn', type: AttributeType.STRING },
          projectionType: ProjectionType.KEYS_ONLY,
        },
      ],
    });
    const { applications } = new PushApplications(this, 'Applications', { sources: props.config.applications });

    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      fifo: true,
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new Queue(this, 'Jobs', {
      fifo: true,
      deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      visibilityTimeout: Duration.seconds(PUSH_WORKER_TIMEOUT.toSeconds() * 6),
      // A notification a day late is noise: SQS drops older ones.
      retentionPeriod: Duration.days(1),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    // Stream records the dispatcher could not enqueue after its retries (Lambda's on-failure record).
    this.dispatchFailures = new Queue(this, 'DispatchFailures', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.dispatchFailures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself a dead-letter destination (the on-failure destination of the stream mappings): it has none of its own.',
    });

    const environment: Record<string, string> = {
      ...props.environment,
      DEVICES_TABLE: this.devices.tableName,
      DEVICES_BY_ENDPOINT_INDEX: PushNotifications.BY_ENDPOINT_INDEX,
      PUSH_QUEUE_URL: this.queue.queueUrl,
      PUSH_APPLICATIONS: JSON.stringify(Object.fromEntries(applications.map((application) => [application.platform, application.arn]))),
      PUSH_PREVIEW: props.config.preview,
      PUSH_LARGE_GROUPS: props.config.largeGroups,
      // A claim left by an attempt that may still run is taken over only once that attempt surely ended.
      PUSH_CLAIM_LEASE_MS: String(PUSH_WORKER_TIMEOUT.toMilliseconds() + 5_000),
    };
    const endpointArns = applications.map((application) => application.endpointArns);
    this.endpointArns = endpointArns;
    this.acknowledgeEndpoints = (fn: HandlerFunction): void => acknowledgeEndpoints(fn);
    const acknowledgeEndpoints = (fn: HandlerFunction): void => {
      for (const application of applications) {
        Validations.of(fn.role!).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${application.endpointNagName}]`,
          reason: 'The * is the SNS endpoint id, created at registration: the grant covers the endpoints of this platform application only.',
        });
      }
    };

    this.dispatcher = new HandlerFunction(this, 'Dispatcher', {
      handler: 'push-dispatcher',
      description: 'Turns new timeline messages, recalls and large-group messages (table streams) into notification jobs',
      environment,
      ...logs,
    });
    const dispatch = { startingPosition: StartingPosition.LATEST, batchSize: 100, bisectBatchOnError: true, retryAttempts: 10, reportBatchItemFailures: true, onFailure: new SqsDlq(this.dispatchFailures) };
    this.dispatcher.addEventSource(
      new DynamoEventSource(tables.timelines, {
        ...dispatch,
        filters: [
          FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT'), dynamodb: { NewImage: { type: { S: FilterRule.isEqual('message') } } } }),
          // A recall's update items: their notifications are replaced (notifications/withdraw.ts).
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('INSERT'),
            dynamodb: { NewImage: { type: { S: FilterRule.isEqual('update') }, recalled: { BOOL: FilterRule.isEqual(true) } } },
          }),
        ],
      }),
    );
    this.dispatcher.addEventSource(
      new DynamoEventSource(tables.conversations, {
        ...dispatch,
        filters: [
          FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT'), dynamodb: { NewImage: { fanOut: { S: FilterRule.isEqual('read') } } } }),
          // A recalled large-group message (no timeline items carry its recall): its notifications are replaced.
          FilterCriteria.filter({ eventName: FilterRule.isEqual('MODIFY'), dynamodb: { NewImage: { withdrawPending: { BOOL: FilterRule.isEqual(true) } } } }),
        ],
      }),
    );
    this.queue.grantSendMessages(this.dispatcher);

    this.worker = new HandlerFunction(this, 'Worker', {
      handler: 'push-worker',
      description: 'Publishes offline push notifications through SNS, once per message and device',
      timeout: PUSH_WORKER_TIMEOUT,
      environment,
      ...logs,
    });
    this.worker.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: props.maxConcurrency }));
    this.devices.grantReadWriteData(this.worker);
    tables.connections.grantReadData(this.worker);
    tables.memberships.grantReadData(this.worker);
    tables.conversations.grantReadData(this.worker);
    // Removing a recall's note (withdrawPending) once a large group's withdraw jobs are queued: that one update, nothing else.
    this.worker.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [tables.conversations.tableArn] }));
    tables.claims.grantReadWriteData(this.worker);
    // Large-group messages expand into one job per notified member.
    this.queue.grantSendMessages(this.worker);
    this.worker.addToRolePolicy(new PolicyStatement({ actions: ['sns:Publish', 'sns:DeleteEndpoint'], resources: endpointArns }));
    acknowledgeEndpoints(this.worker);

    this.registration = new HandlerFunction(this, 'RegistrationHandler', {
      handler: 'push-registration',
      description: 'registerPush, unregisterPush: binds a device push token to an SNS endpoint',
      environment,
      ...logs,
    });
    this.devices.grantReadWriteData(this.registration);
    this.registration.addToRolePolicy(new PolicyStatement({ actions: ['sns:CreatePlatformEndpoint'], resources: applications.map((application) => application.arn) }));
    this.registration.addToRolePolicy(
      new PolicyStatement({ actions: ['sns:GetEndpointAttributes', 'sns:SetEndpointAttributes', 'sns:DeleteEndpoint'], resources: endpointArns }),
    );
    acknowledgeEndpoints(this.registration);
    props.gateway.addAction('registerPush', this.registration);
    props.gateway.addAction('unregisterPush', this.registration);

    this.mute = new HandlerFunction(this, 'MuteHandler', {
      handler: 'mute',
      description: 'mute: silences offline notifications of a conversation until a time',
      environment,
      ...logs,
    });
    tables.memberships.grantReadWriteData(this.mute);
    props.gateway.addAction('mute', this.mute);
  }
}
