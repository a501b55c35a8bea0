import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { ImConfig } from './config.js';
import { ActionFunctions, SEND_TIMEOUT, type TableName } from './constructs/action-functions.js';
import { DeliveryRepair } from './constructs/delivery-repair.js';
import { AttachmentConfirmation } from './constructs/attachment-confirmation.js';
import { AttachmentStorage } from './constructs/attachment-storage.js';
import { ConnectionStorage } from './constructs/connection-storage.js';
import { EventPublishing } from './constructs/event-publishing.js';
import { GroupFanOut } from './constructs/group-fan-out.js';
import { HandlerFunction } from './constructs/handler-function.js';
import { MessagingStorage } from './constructs/messaging-storage.js';
import { addModerationHook } from './constructs/moderation-hook.js';
import { Monitoring } from './constructs/monitoring.js';
import { PushNotifications } from './constructs/push-notifications.js';
import { ServerApi } from './constructs/server-api.js';
import { TokenAuth } from './constructs/token-auth.js';
import { TokenSweeper } from './constructs/token-sweeper.js';
import { UserErasure } from './constructs/user-erasure.js';
import { HEARTBEAT_REPLY_TEMPLATE, WebSocketGateway } from './constructs/websocket-gateway.js';
import { acknowledgeFindings } from './nag-acknowledgements.js';

export interface ImStackProps extends StackProps {
  config: ImConfig;
}

/** The whole instant-messaging backend: one stack, deployed with `cdk deploy`. */
export class ImStack extends Stack {
  readonly gateway: WebSocketGateway;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: ImStackProps) {
    super(scope, id, props);
    const { config } = props;

    const { logRetentionDays } = config;
    const tableOptions = { retainData: config.retainData, deletionProtection: config.deletionProtection };
    const storage = new ConnectionStorage(this, 'Storage', tableOptions);
    const messaging = new MessagingStorage(this, 'Messaging', tableOptions);
    const attachments = new AttachmentStorage(this, 'Attachments', { origins: config.attachments.origins, retainData: config.retainData });
    const auth = new TokenAuth(this, 'Auth', {
      config: config.auth,
      maxTokenLifetimeSeconds: config.limits.maxTokenLifetimeSeconds,
      allowedOrigins: config.limits.allowedOrigins,
      logRetentionDays,
    });
    const tables: Record<TableName, MessagingStorage['timelines']> = {
      connections: storage.table,
      timelines: messaging.timelines,
      conversations: messaging.conversations,
      memberships: messaging.memberships,
      claims: messaging.claims,
      groupListeners: messaging.groupListeners,
    };

    const fallback = new HandlerFunction(this, 'DefaultHandler', {
      handler: 'default-route',
      description: 'Answers frames that match no action with BAD_REQUEST ($default)',
      logRetentionDays,
    });
    const connect = new HandlerFunction(this, 'ConnectHandler', {
      handler: 'connect',
      description: 'Stores a new connection and subscribes it to its large groups ($connect)',
      logRetentionDays,
    });
    const disconnect = new HandlerFunction(this, 'DisconnectHandler', {
      handler: 'disconnect',
      description: 'Removes a closed connection and records last seen ($disconnect)',
      logRetentionDays,
    });
    this.gateway = new WebSocketGateway(this, 'Gateway', {
      stageName: config.stageName,
      authorizer: auth.authorizer,
      connectHandler: connect,
      disconnectHandler: disconnect,
      defaultHandler: fallback,
      throttle: config.throttle,
      logRetentionDays,
      manageAccountLogsRole: config.manageAccountLogsRole,
    });

    const environment: Record<string, string> = {
      CONNECTIONS_TABLE: storage.table.tableName,
      CONNECTIONS_BY_USER_INDEX: ConnectionStorage.BY_USER_INDEX,
      CONNECTIONS_BY_TOKEN_EXPIRY_INDEX: ConnectionStorage.BY_TOKEN_EXPIRY_INDEX,
      TIMELINES_TABLE: messaging.timelines.tableName,
      CONVERSATIONS_TABLE: messaging.conversations.tableName,
      MEMBERSHIPS_TABLE: messaging.memberships.tableName,
      MEMBERSHIPS_BY_GROUP_INDEX: MessagingStorage.BY_GROUP_INDEX,
      CLAIMS_TABLE: messaging.claims.tableName,
      GROUP_LISTENERS_TABLE: messaging.groupListeners.tableName,
      MANAGEMENT_API_URL: this.gateway.managementEndpoint,
      // A retry may take over an unfinished send only once its first attempt surely ended.
      SEND_ATTEMPT_MAX_MS: String(SEND_TIMEOUT.toMilliseconds() + 5_000),
      LARGE_GROUP_THRESHOLD: String(config.largeGroupThreshold),
      MAX_GROUP_MEMBERS: String(config.maxGroupMembers),
      EDIT_WINDOW_HOURS: String(config.editWindowHours),
      RECALL_WINDOW_HOURS: String(config.recallWindowHours),
      ATTACHMENTS_BUCKET: attachments.bucket.bucketName,
      MAX_ATTACHMENT_BYTES: String(config.attachments.maxMB * 1024 * 1024),
      ATTACHMENT_CONTENT_TYPES: config.attachments.contentTypes.join(','),
      ATTACHMENT_DAILY_QUOTA_BYTES: String(config.attachments.dailyQuotaMB * 1024 * 1024),
      SEND_LIMIT_PER_MINUTE: String(config.limits.sendsPerMinute),
      USER_RATE_LIMITS: JSON.stringify(config.limits.perMinute),
      MAX_CONNECTIONS_PER_USER: String(config.limits.maxConnectionsPerUser),
    };

    const fanOut = new GroupFanOut(this, 'FanOut', {
      environment,
      tables,
      grantPush: (fn) => this.gateway.grantPush(fn),
      maxConcurrency: config.fanOutMaxConcurrency,
      retentionDays: config.fanOutRetentionDays,
      logRetentionDays,
    });
    const actionEnvironment = { ...environment, FAN_OUT_QUEUE_URL: fanOut.queue.queueUrl };

    // The connection handlers exist before the gateway whose URL the environment names.
    for (const fn of [connect, disconnect]) {
      for (const [name, value] of Object.entries(actionEnvironment)) fn.addEnvironment(name, value);
    }
    // Writes the record; counts the user's connections first (a COUNT query of byUser), and at
    // the cap asks API Gateway which of them are still open.
    storage.table.grantReadWriteData(connect);
    this.gateway.grantInspect(connect);
    messaging.memberships.grantReadData(connect);
    messaging.groupListeners.grantWriteData(connect);
    storage.table.grantWriteData(disconnect);
    messaging.timelines.grantWriteData(disconnect);
    messaging.groupListeners.grantWriteData(disconnect);

    const ping = new HandlerFunction(this, 'PingHandler', {
      handler: 'ping',
      description: 'ping: answers the server time (and carries connection records of older versions over to their lifetime)',
      // The management API: a ping on a connection whose token expired closes it (`closing`, DeleteConnection).
      environment: { CONNECTIONS_TABLE: storage.table.tableName, MANAGEMENT_API_URL: this.gateway.managementEndpoint },
      logRetentionDays,
    });
    storage.table.grantWriteData(ping);
    this.gateway.addAction('ping', ping);
    // The keep-alives, answered by API Gateway itself: no Lambda, no DynamoDB (docs/protocol.md).
    // `keepAlive` is one-way (one WebSocket message); `heartbeat` answers (two), for a client
    // that wants to know the connection still carries frames both ways.
    this.gateway.addMockedAction('keepAlive');
    this.gateway.addMockedAction('heartbeat', HEARTBEAT_REPLY_TEMPLATE);

    const actions = new ActionFunctions(this, 'Actions', {
      tables,
      fanOutQueue: fanOut.queue,
      gateway: this.gateway,
      environment: actionEnvironment,
      attachments,
      logRetentionDays,
    });

    new TokenSweeper(this, 'TokenSweeper', { connections: storage.table, gateway: this.gateway, environment: actionEnvironment, logRetentionDays });

    const repair = new DeliveryRepair(this, 'DeliveryRepair', {
      tables,
      fanOutQueue: fanOut.queue,
      grantPush: (fn) => this.gateway.grantPush(fn),
      environment: actionEnvironment,
      logRetentionDays,
    });

    const serverApi = new ServerApi(this, 'ServerApi', {
      tables,
      fanOutQueue: fanOut.queue,
      gateway: this.gateway,
      attachments,
      environment: actionEnvironment,
      throttle: config.serverApiThrottle,
      logRetentionDays,
    });

    if (config.moderation) {
      // `edit` shares its function with recall and react (the grant is that function's).
      addModerationHook(config.moderation, [actions.functions.get('send')!, actions.functions.get('edit')!, serverApi.functions.get('postMessage')!]);
    }

    const confirmation = new AttachmentConfirmation(this, 'AttachmentConfirmation', {
      attachments,
      conversations: messaging.conversations,
      environment,
      logRetentionDays,
    });

    const push = new PushNotifications(this, 'Push', {
      config: config.push,
      environment,
      tables,
      gateway: this.gateway,
      retainData: config.retainData,
      deletionProtection: config.deletionProtection,
      maxConcurrency: config.fanOutMaxConcurrency,
      logRetentionDays,
    });

    const events = new EventPublishing(this, 'Events', {
      config: config.events,
      conversations: messaging.conversations,
      timelines: messaging.timelines,
      claims: messaging.claims,
      logRetentionDays,
    });

    const erasure = new UserErasure(this, 'Erasure', {
      mode: config.erasure,
      environment: actionEnvironment,
      tables,
      fanOutQueue: fanOut.queue,
      gateway: this.gateway,
      attachments,
      push,
      serverApi,
      logRetentionDays,
    });
    // $connect refuses a user being erased (or erased): one GetItem of the erasure record.
    connect.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [messaging.conversations.tableArn] }));

    this.monitoring = new Monitoring(this, 'Monitoring', {
      api: this.gateway.api,
      stageName: config.stageName,
      fanOutQueue: fanOut.queue,
      fanOutDeadLetterQueue: fanOut.deadLetterQueue,
      fanOutWorker: fanOut.worker,
      authorizer: auth.function,
      tables: {
        Connections: storage.table,
        Timelines: messaging.timelines,
        Conversations: messaging.conversations,
        Memberships: messaging.memberships,
        Claims: messaging.claims,
        GroupListeners: messaging.groupListeners,
        Devices: push.devices,
      },
      attachmentTagger: confirmation.tagger,
      deliveryRepairer: repair.repairer,
      eventPublisher: events.publisher,
      push: { queue: push.queue, deadLetterQueue: push.deadLetterQueue, dispatchFailures: push.dispatchFailures, worker: push.worker, dispatcher: push.dispatcher },
      serverApi: { apiId: serverApi.api.apiId, stageName: serverApi.stage.stageName },
      ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
    });
    erasure.notify(this.monitoring.topic);
    acknowledgeFindings(this);

    new CfnOutput(this, 'WebSocketUrl', { value: this.gateway.stage.url, description: 'wss:// URL for clients' });
    new CfnOutput(this, 'ManagementEndpoint', {
      value: this.gateway.managementEndpoint,
      description: 'Management API (@connections) endpoint',
    });
    new CfnOutput(this, 'ServerApiUrl', { value: serverApi.url, description: "Server API for the company's backend (SigV4, execute-api; docs/server-api.md)" });
    new CfnOutput(this, 'ServerApiInvokePolicyArn', {
      value: serverApi.invokePolicy.managedPolicyArn,
      description: 'Managed policy to attach to the roles that call the server API (execute-api:Invoke on its routes)',
    });
    new CfnOutput(this, 'ServerApiAccessLogGroupName', { value: serverApi.accessLogs.logGroupName });
    new CfnOutput(this, 'ConnectionsTableName', { value: storage.table.tableName });
    new CfnOutput(this, 'TimelinesTableName', { value: messaging.timelines.tableName });
    new CfnOutput(this, 'ConversationsTableName', { value: messaging.conversations.tableName });
    new CfnOutput(this, 'MembershipsTableName', { value: messaging.memberships.tableName });
    new CfnOutput(this, 'ClaimsTableName', { value: messaging.claims.tableName });
    new CfnOutput(this, 'GroupListenersTableName', { value: messaging.groupListeners.tableName });
    new CfnOutput(this, 'AttachmentsBucketName', { value: attachments.bucket.bucketName });
    new CfnOutput(this, 'FanOutQueueName', { value: fanOut.queue.queueName });
    new CfnOutput(this, 'FanOutDeadLetterQueueName', { value: fanOut.deadLetterQueue.queueName });
    new CfnOutput(this, 'FanOutDeadLetterQueueArn', {
      value: fanOut.deadLetterQueue.queueArn,
      description: 'Source of a redrive (aws sqs start-message-move-task --source-arn ...)',
    });
    new CfnOutput(this, 'ErasureDeadLetterQueueName', { value: erasure.deadLetterQueue.queueName });
    new CfnOutput(this, 'EventBusName', { value: events.bus.eventBusName, description: 'EventBridge bus of message and group events (docs/events.md)' });
    new CfnOutput(this, 'EventBusArn', { value: events.bus.eventBusArn });
    new CfnOutput(this, 'DevicesTableName', { value: push.devices.tableName });
    new CfnOutput(this, 'PushDeadLetterQueueName', { value: push.deadLetterQueue.queueName });
    new CfnOutput(this, 'AccessLogGroupName', { value: this.gateway.accessLogs.logGroupName });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${this.monitoring.dashboard.dashboardName}`,
    });
    if (auth.signingSecret) {
      new CfnOutput(this, 'SigningSecretArn', {
        value: auth.signingSecret.secretArn,
        description: 'HS256 key that signs client JWTs (scripts/mint-token.ts reads it)',
      });
    }
    if (this.monitoring.topic) new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
  }
}
