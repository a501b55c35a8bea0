import { type CfnElement, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { AccessLogFormat, CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import { CfnIntegration, CfnIntegrationResponse, CfnRoute, CfnRouteResponse, LogGroupLogDestination, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IWebSocketRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Grant, ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface WebSocketGatewayProps {
  stageName: string;
  authorizer: IWebSocketRouteAuthorizer;
  connectHandler: IFunction;
  disconnectHandler: IFunction;
  defaultHandler: IFunction;
  /** Stage throttling, applied to every route: steady requests per second and burst. */
  throttle: { rateLimit: number; burstLimit: number };
  /** Days the access logs are kept. */
  logRetentionDays: number;
  /**
   * Sets the account's API Gateway CloudWatch Logs role (needed for WebSocket access logs). On by
   * default; turn off where the account already has one (`-c apiGatewayLogsRole=false`).
   */
  manageAccountLogsRole?: boolean;
}

/** How cdk-nag writes a value in a finding id: a literal as is, a pseudo parameter as `<AWS::Region>`. */
const nagName = (value: string, pseudo: string): string => (Token.isUnresolved(value) ? `<${pseudo}>` : value);

/**
 * The reply API Gateway renders for the `heartbeat` route: the protocol's `heartbeat` event with
 * the request time (epoch ms), a `$context` variable of every WebSocket message.
 */
export const HEARTBEAT_REPLY_TEMPLATE = '{"event":"heartbeat","data":{"ts":$context.requestTimeEpoch}}';

/**
 * One JSON object per line in the access log, with the WebSocket `$context` variables that
 * answer "what happened to this frame": who, which route, what the integration and authorizer said.
 */
export const ACCESS_LOG_FIELDS: Record<string, string> = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  requestTime: '$context.requestTimeEpoch',
  connectionId: '$context.connectionId',
  eventType: '$context.eventType',
  routeKey: '$context.routeKey',
  messageId: '$context.messageId',
  status: '$context.status',
  integrationStatus: '$context.integration.status',
  integrationLatency: '$context.integration.latency',
  integrationError: '$context.integration.error',
  authorizerStatus: '$context.authorizer.status',
  authorizerError: '$context.authorizer.error',
  errorMessage: '$context.error.message',
  errorResponseType: '$context.error.responseType',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  principalId: '$context.authorizer.principalId',
};

/**
 * The API Gateway WebSocket API: routes chosen by `$request.body.action`, `$connect` behind the
 * token authorizer, and one stage. Routes that answer the client are two-way (a route response),
 * so a reply costs no Management API call.
 */
export class WebSocketGateway extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: WebSocketGatewayProps) {
    super(scope, id);
    this.api = new WebSocketApi(this, 'Api', {
      description: 'Instant messaging over WebSocket (protocol v1, docs/protocol.md)',
      routeSelectionExpression: '$request.body.action',
      connectRouteOptions: {
        integration: new WebSocketLambdaIntegration('ConnectIntegration', props.connectHandler),
        authorizer: props.authorizer,
      },
      disconnectRouteOptions: {
        integration: new WebSocketLambdaIntegration('DisconnectIntegration', props.disconnectHandler),
      },
      defaultRouteOptions: {
        integration: new WebSocketLambdaIntegration('DefaultIntegration', props.defaultHandler),
        returnResponse: true,
      },
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetentionDays as RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: props.stageName,
      autoDeploy: true,
      // Bounds what a misbehaving client (or an attack) can cost: API Gateway answers 429 beyond it.
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    if (props.manageAccountLogsRole ?? true) {
      // WebSocket APIs write access logs with the account's API Gateway role (unlike HTTP APIs).
      // It is an account-and-region setting: kept when the stack goes, other APIs may rely on it.
      const logsRole = new Role(this, 'CloudWatchLogsRole', {
        assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
        description: 'Lets API Gateway write access logs to CloudWatch Logs (account setting)',
        managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs')],
      });
      logsRole.applyRemovalPolicy(RemovalPolicy.RETAIN);
      const account = new CfnAccount(this, 'Account', { cloudWatchRoleArn: logsRole.roleArn });
      account.applyRemovalPolicy(RemovalPolicy.RETAIN);
      this.stage.node.addDependency(account);
      Validations.of(logsRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: 'AWS\u2019s own policy for exactly this role (API Gateway account logging); it grants only CloudWatch Logs writes.',
      });
    }

    for (const key of ['$disconnect', '$default']) this.acknowledgeConnectionAuth(this.api.node.tryFindChild(`${key}-Route`));
  }

  /** Routes after `$connect` are authorized by the connection: AWS offers no per-route authorizer for them. */
  private acknowledgeConnectionAuth(route: Construct | undefined): void {
    if (!route) return;
    Validations.of(route).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'WebSocket routes other than $connect cannot have an authorizer: the connection was authorized on $connect (JWT), and the caller identity reaches every route from requestContext.authorizer.',
    });
  }

  private readonly closingGranted = new Set<IFunction>();

  /**
   * Adds a two-way route for a protocol action handled by `handler`. Every action closes its
   * connection once the token expired (the `closing` push, then DeleteConnection), so the handler
   * gets both grants here.
   */
  addAction(action: string, handler: IFunction): void {
    if (!this.closingGranted.has(handler)) {
      this.closingGranted.add(handler);
      this.grantPush(handler);
      this.grantDisconnect(handler);
    }
    const route = this.api.addRoute(action, {
      integration: new WebSocketLambdaIntegration(`${action}Integration`, handler),
      returnResponse: true,
    });
    this.acknowledgeConnectionAuth(route);
  }

  /**
   * Adds a route that API Gateway answers itself (a MOCK integration): no Lambda runs and nothing
   * is written. With `reply` (a response mapping template; it may reference `$context` variables,
   * which the local gateway emulates, refusing any other template at start) the route is two-way
   * and the frame costs its two WebSocket messages; without, it is one-way and sends nothing back
   * (one message: a keep-alive that only needs to reach API Gateway).
   */
  addMockedAction(action: string, reply?: string): void {
    const apiId = this.api.apiId;
    const integration = new CfnIntegration(this, `${action}MockIntegration`, {
      apiId,
      integrationType: 'MOCK',
      // A MOCK integration takes its status code from the request template.
      requestTemplates: { $default: '{"statusCode": 200}' },
      templateSelectionExpression: '\\$default',
    });
    // One-way too: an integration response (empty), so the integration's outcome is a success
    // whatever API Gateway does with it; without a route response nothing reaches the client.
    new CfnIntegrationResponse(this, `${action}MockIntegrationResponse`, {
      apiId,
      integrationId: integration.ref,
      integrationResponseKey: '$default',
      ...(reply !== undefined ? { responseTemplates: { $default: reply }, templateSelectionExpression: '\\$default' } : {}),
    });
    const route = new CfnRoute(this, `${action}MockRoute`, {
      apiId,
      routeKey: action,
      authorizationType: 'NONE',
      target: `integrations/${integration.ref}`,
      ...(reply !== undefined ? { routeResponseSelectionExpression: '$default' } : {}),
    });
    if (reply !== undefined) new CfnRouteResponse(this, `${action}MockRouteResponse`, { apiId, routeId: route.ref, routeResponseKey: '$default' });
    this.acknowledgeConnectionAuth(route);
  }

  /** The HTTPS endpoint of the Management API (`@connections`) for this stage. */
  get managementEndpoint(): string {
    return `https://${this.api.apiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${this.stage.stageName}`;
  }

  /** The `@connections` POST ARN of this stage: what a push needs, nothing more. */
  get pushArn(): string {
    const apiArn = Stack.of(this).formatArn({ service: 'execute-api', resource: this.api.apiId });
    return `${apiArn}/${this.stage.stageName}/POST/@connections/*`;
  }

  /**
   * Lets a function close connections of this stage (DeleteConnection), and nothing else: the
   * server API's disconnect route, and every action (the `closing` of an expired token).
   */
  grantDisconnect(handler: IFunction): void {
    this.grantConnections(handler, 'DELETE');
  }

  /** Lets a function push to connections of this stage (PostToConnection), and nothing else. */
  grantPush(handler: IFunction): void {
    this.grantConnections(handler, 'POST');
  }

  /**
   * Lets a function ask whether a connection of this stage is still open (GetConnection), and
   * nothing else: presence and the connection cap, which cannot trust a record whose
   * `$disconnect` may have been lost.
   */
  grantInspect(handler: IFunction): void {
    this.grantConnections(handler, 'GET');
  }

  /** One method on `@connections` of this API and stage; the trailing `*` is the connection id. */
  private grantConnections(handler: IFunction, method: 'GET' | 'POST' | 'DELETE'): void {
    const stack = Stack.of(this);
    const resource = method === 'POST' ? this.pushArn : `${stack.formatArn({ service: 'execute-api', resource: this.api.apiId })}/${this.stage.stageName}/${method}/@connections/*`;
    Grant.addToPrincipal({ grantee: handler, actions: ['execute-api:ManageConnections'], resourceArns: [resource] });
    const apiLogicalId = stack.getLogicalId(this.api.node.defaultChild as CfnElement);
    if (handler.role) {
      Validations.of(handler.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:${nagName(stack.partition, 'AWS::Partition')}:execute-api:${nagName(stack.region, 'AWS::Region')}:${nagName(stack.account, 'AWS::AccountId')}:<${apiLogicalId}>/${this.stage.stageName}/${method}/@connections/*]`,
        reason: `The * is the connection id, known only at run time: the grant is ${method} on @connections of this API and stage only.`,
      });
    }
  }
}
