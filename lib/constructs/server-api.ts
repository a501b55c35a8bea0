import { serverApiRoutes, type ServerApiOperation } from '@serverless-im/protocol/server-api';
import { type CfnElement, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { type CfnStage, HttpApi, HttpMethod, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SEND_TIMEOUT, type TableName } from './action-functions.js';
import type { AttachmentStorage } from './attachment-storage.js';
import { DEFAULT_LOG_RETENTION_DAYS, HandlerFunction } from './handler-function.js';
import type { WebSocketGateway } from './websocket-gateway.js';

type Access = 'read' | 'readWrite';

interface RouteSpec {
  /** File in functions/handlers/server-api, without extension. */
  handler: string;
  description: string;
  tables: Partial<Record<TableName, Access>>;
  push?: boolean;
  enqueue?: boolean;
  attachments?: 'attach';
  /** DeleteConnection on the WebSocket stage. */
  disconnect?: boolean;
  timeout?: Duration;
}

/** The tables the group-membership WebSocket handler is granted; the group routes run its code. */
const GROUP_CHANGE: Pick<RouteSpec, 'tables' | 'push' | 'enqueue'> = {
  tables: { connections: 'readWrite', conversations: 'readWrite', memberships: 'readWrite', groupListeners: 'readWrite', timelines: 'readWrite', claims: 'readWrite' },
  push: true,
  enqueue: true,
};

/**
 * One function per route (the route table is @serverless-im/protocol/server-api), each granted
 * what the domain code it runs uses, like ActionFunctions: the send route has the `send`
 * function's grants, the group routes the group-membership function's, the reads read only.
 */
const ROUTES: Record<ServerApiOperation, RouteSpec> = {
  postMessage: {
    handler: 'post-message',
    description: 'POST /v1/messages: send on behalf of a user',
    tables: { connections: 'readWrite', timelines: 'readWrite', conversations: 'readWrite', memberships: 'readWrite', claims: 'readWrite' },
    push: true,
    enqueue: true,
    attachments: 'attach',
    // The send function's timeout: it bounds when a retry may take over an unfinished send.
    timeout: SEND_TIMEOUT,
  },
  createGroup: { handler: 'create-group', description: 'POST /v1/groups: creates a group for its owner', ...GROUP_CHANGE },
  addGroupMembers: { handler: 'add-group-members', description: 'POST /v1/groups/{id}/members: adds members as the owner', ...GROUP_CHANGE },
  removeGroupMember: { handler: 'remove-group-member', description: 'DELETE /v1/groups/{id}/members/{userId}: removes a member as the owner', ...GROUP_CHANGE },
  conversationMessages: {
    handler: 'conversation-messages',
    description: 'GET /v1/conversations/{id}/messages: history without membership',
    // One head GetItem (groups) and one page query.
    tables: { conversations: 'read' },
  },
  userConversations: {
    handler: 'user-conversations',
    description: "GET /v1/users/{id}/conversations: a user's conversation list",
    // As the `conversations` action: the first page applies the timeline's tail to the activity index.
    tables: { memberships: 'readWrite', conversations: 'read', timelines: 'read' },
  },
  disconnectUser: {
    handler: 'disconnect-user',
    description: 'POST /v1/users/{id}/disconnect: closes every live connection of a user',
    // One byUser index query, then DeleteConnection per connection ($disconnect removes the records).
    tables: { connections: 'read' },
    disconnect: true,
  },
  eraseUser: {
    handler: 'erase-user',
    description: 'DELETE /v1/users/{id}: starts erasing a user (the queue and the worker are lib/constructs/user-erasure.ts)',
    // The erasure record (GetItem, PutItem), and whether anything is stored about the user (a query each).
    tables: { conversations: 'readWrite', timelines: 'read', memberships: 'read', connections: 'read' },
  },
  erasureStatus: {
    handler: 'erasure-status',
    description: "GET /v1/users/{id}/erasure: a user erasure's progress",
    tables: { conversations: 'read' },
  },
  exportUser: {
    handler: 'export-user',
    description: 'GET /v1/users/{id}/export: everything stored about a user (read-only)',
    // Queries of the user's timeline and memberships, their conversations' heads, messages and
    // report partitions, and whether anything is stored (connections byUser). Devices: user-erasure.ts.
    tables: { timelines: 'read', memberships: 'read', conversations: 'read', connections: 'read' },
    // Paged reads up to the export's bounds (functions/server-api/export-user.ts), under API Gateway's 29 s.
    timeout: Duration.seconds(25),
  },
};

export interface ServerApiProps {
  tables: Record<TableName, ITableV2>;
  fanOutQueue: IQueue;
  gateway: WebSocketGateway;
  attachments: AttachmentStorage;
  environment: Record<string, string>;
  /** Stage-wide: steady requests per second, and the burst above it (429 beyond). */
  throttle: { rateLimit: number; burstLimit: number };
  logRetentionDays?: number;
}

/** One JSON line per request (`$context` variables of HTTP APIs); `caller` is the IAM principal. */
export const SERVER_API_ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  time: '$context.requestTimeEpoch',
  routeKey: '$context.routeKey',
  status: '$context.status',
  caller: '$context.identity.userArn',
  ip: '$context.identity.sourceIp',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  error: '$context.error.message',
  integrationError: '$context.integrationErrorMessage',
});

/** How cdk-nag writes a value in a finding's id: a pseudo parameter when unresolved. */
const nagName = (value: string, pseudo: string): string => (Token.isUnresolved(value) ? `<${pseudo}>` : value);

/** The path of a route as IAM matches it in an execute-api ARN: each `{param}` is `*`. */
const iamPath = (path: string): string => path.replace(/\{[^}]+\}/g, '*');

/**
 * The server API: an HTTP API whose every route is `AWS_IAM` authorized (a SigV4 signature of a
 * principal allowed `execute-api:Invoke`), on the `$default` stage with throttling and access
 * logs, and the managed policy a company attaches to its backend's roles to call it.
 */
export class ServerApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  readonly invokePolicy: ManagedPolicy;
  readonly functions = new Map<ServerApiOperation, HandlerFunction>();

  constructor(scope: Construct, id: string, props: ServerApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      description: "serverless-im server API: IAM-signed HTTP for the company's own backend",
      createDefaultStage: false,
      defaultAuthorizer: new HttpIamAuthorizer(),
    });
    this.stage = new HttpStage(this, 'Stage', { httpApi: this.api, autoDeploy: true, throttle: props.throttle });
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: (props.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS) as RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // HTTP APIs write access logs with a service-linked role: no account logging role is needed.
    (this.stage.node.defaultChild as CfnStage).accessLogSettings = { destinationArn: this.accessLogs.logGroupArn, format: SERVER_API_ACCESS_LOG_FORMAT };

    const invokeArns: string[] = [];
    for (const [operation, spec] of Object.entries(ROUTES) as [ServerApiOperation, RouteSpec][]) {
      const route = serverApiRoutes[operation];
      const fn = new HandlerFunction(this, `${operation[0]!.toUpperCase()}${operation.slice(1)}Handler`, {
        handler: `server-api/${spec.handler}`,
        description: spec.description,
        environment: props.environment,
        ...(props.logRetentionDays !== undefined ? { logRetentionDays: props.logRetentionDays } : {}),
        ...(spec.timeout ? { timeout: spec.timeout } : {}),
      });
      for (const [name, access] of Object.entries(spec.tables) as [TableName, Access][]) {
        if (access === 'read') props.tables[name].grantReadData(fn);
        else props.tables[name].grantReadWriteData(fn);
      }
      if (spec.push) props.gateway.grantPush(fn);
      if (spec.disconnect) props.gateway.grantDisconnect(fn);
      if (spec.enqueue) props.fanOutQueue.grantSendMessages(fn);
      if (spec.attachments === 'attach') props.attachments.grantAttach(fn);
      this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${operation}Integration`, fn),
      });
      invokeArns.push(this.api.arnForExecuteApi(route.method, iamPath(route.path), this.stage.stageName));
      this.functions.set(operation, fn);
    }

    this.invokePolicy = new ManagedPolicy(this, 'InvokePolicy', {
      description: 'Calls every route of the serverless-im server API (attach to the roles of the backend that calls it)',
      statements: [new PolicyStatement({ actions: ['execute-api:Invoke'], resources: invokeArns })],
    });
    const stack = Stack.of(this);
    const apiLogicalId = stack.getLogicalId(this.api.node.defaultChild as CfnElement);
    for (const route of Object.values(serverApiRoutes)) {
      if (!route.path.includes('{')) continue;
      Validations.of(this.invokePolicy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:${nagName(stack.partition, 'AWS::Partition')}:execute-api:${nagName(stack.region, 'AWS::Region')}:${nagName(stack.account, 'AWS::AccountId')}:<${apiLogicalId}>/${this.stage.stageName}/${route.method}${iamPath(route.path)}]`,
        reason: `Each * is one path parameter of ${route.method} ${route.path} (a user or group id, known only per request): the grant is that one route of this API and stage.`,
      });
    }
  }

  /** The invoke URL (the `$default` stage has no path of its own). */
  get url(): string {
    return this.api.apiEndpoint;
  }
}
