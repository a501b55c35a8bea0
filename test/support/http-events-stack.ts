import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpNoneAuthorizer, HttpRoute, HttpRouteKey, HttpStage, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration, WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { CfnStage } from 'aws-cdk-lib/aws-apigatewayv2';

/**
 * A tiny stack for the HTTP API and EventBridge stand-ins: an HTTP API whose routes are IAM
 * authorized (but one), Lambda proxy integrations (payload 2.0) to inline-code functions, an event
 * bus, and two roles: the publisher's is granted `events:PutEvents` on the bus, the other's is not.
 * The local cloud runs one WebSocket API per stack, so the stack has a minimal one too.
 */

/** CommonJS, as Lambda runs inline code (`index.js`); the runtime provides the AWS SDK v3. */
const HANDLER = String.raw`
const { EventBridgeClient, PutEventsCommand } = require('@aws-sdk/client-eventbridge');
const events = new EventBridgeClient({});

exports.handler = async (event) => {
  const path = event.requestContext && event.requestContext.http ? event.requestContext.http.path : '';
  if (event.routeKey.startsWith('POST /v1/publish')) {
    const entries = JSON.parse(event.body).entries.map((entry) => ({ EventBusName: process.env.BUS_NAME, ...entry }));
    try {
      const result = await events.send(new PutEventsCommand({ Entries: entries }));
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ FailedEntryCount: result.FailedEntryCount, Entries: result.Entries }) };
    } catch (error) {
      return { statusCode: 502, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: error.name, message: error.message }) };
    }
  }
  if (path.endsWith('/bare')) return { hello: 'world', path };
  if (path.endsWith('/text')) return 'just text';
  if (path.endsWith('/structured')) {
    return { statusCode: 201, headers: { 'content-type': 'text/plain', 'x-answer': 42 }, cookies: ['a=1; Path=/', 'b=2'], body: 'created' };
  }
  if (path.endsWith('/binary')) return { statusCode: 200, headers: { 'content-type': 'application/octet-stream' }, isBase64Encoded: true, body: Buffer.from([0, 1, 2, 255]).toString('base64') };
  if (path.endsWith('/throws')) throw new Error('handler failed on purpose');
  if (path.endsWith('/malformed')) return { statusCode: 'two hundred' };
  if (path.endsWith('/slow')) await new Promise((resolve) => setTimeout(resolve, 2500));
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) };
};
`;

export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  routeKey: '$context.routeKey',
  status: '$context.status',
  method: '$context.httpMethod',
  path: '$context.path',
  caller: '$context.identity.caller',
  ip: '$context.identity.sourceIp',
  error: '$context.error.message',
  unknown: '$context.noSuchVariable',
});

class HttpEventsStack extends Stack {
  constructor(scope: App, id: string) {
    super(scope, id);
    const bus = new EventBus(this, 'Bus', { eventBusName: 'chat-events' });

    const fn = (name: string, environment: Record<string, string> = {}) =>
      new LambdaFunction(this, name, {
        runtime: Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: Code.fromInline(HANDLER),
        timeout: Duration.seconds(10),
        environment: { BUS_NAME: bus.eventBusName, ...environment },
      });
    const publisher = fn('Publisher');
    const outsider = fn('Outsider');
    bus.grantPutEventsTo(publisher);

    const api = new HttpApi(this, 'ServerApi', { createDefaultStage: false, defaultAuthorizer: new HttpIamAuthorizer() });
    const stage = new HttpStage(this, 'ServerApiStage', { httpApi: api, autoDeploy: true, throttle: { rateLimit: 50, burstLimit: 100 } });
    const logGroup = new LogGroup(this, 'ServerApiAccessLogs');
    const cfnStage = stage.node.defaultChild as CfnStage;
    cfnStage.accessLogSettings = { destinationArn: logGroup.logGroupArn, format: ACCESS_LOG_FORMAT };
    cfnStage.routeSettings = { 'GET /v1/throttled': { ThrottlingBurstLimit: 1, ThrottlingRateLimit: 0 } };

    const publisherIntegration = new HttpLambdaIntegration('PublisherIntegration', publisher);
    const outsiderIntegration = new HttpLambdaIntegration('OutsiderIntegration', outsider);
    const slowIntegration = new HttpLambdaIntegration('SlowIntegration', publisher, { timeout: Duration.seconds(1) });
    api.addRoutes({ path: '/v1/users/{id}/export', methods: [HttpMethod.GET], integration: publisherIntegration });
    api.addRoutes({ path: '/v1/users/{id}', methods: [HttpMethod.ANY], integration: publisherIntegration });
    api.addRoutes({ path: '/v1/users/me', methods: [HttpMethod.GET], integration: publisherIntegration });
    api.addRoutes({ path: '/v1/files/{proxy+}', methods: [HttpMethod.ANY], integration: publisherIntegration });
    api.addRoutes({ path: '/v1/publish', methods: [HttpMethod.POST], integration: publisherIntegration });
    api.addRoutes({ path: '/v1/publish-denied', methods: [HttpMethod.POST], integration: outsiderIntegration });
    api.addRoutes({ path: '/v1/throttled', methods: [HttpMethod.GET], integration: publisherIntegration });
    api.addRoutes({ path: '/v1/slow', methods: [HttpMethod.GET], integration: slowIntegration });
    api.addRoutes({ path: '/v1/open/{name}', methods: [HttpMethod.GET], integration: publisherIntegration, authorizer: new HttpNoneAuthorizer() });
    // The publisher may call the export route itself (a function signing with its own role); the outsider may not.
    publisher.addToRolePolicy(new PolicyStatement({ actions: ['execute-api:Invoke'], resources: [api.arnForExecuteApi('GET', '/v1/users/*/export')] }));
    new HttpRoute(this, 'DefaultRoute', { httpApi: api, routeKey: HttpRouteKey.DEFAULT, integration: outsiderIntegration });

    const socket = new WebSocketApi(this, 'Socket', { defaultRouteOptions: { integration: new WebSocketLambdaIntegration('SocketDefault', outsider) } });
    new WebSocketStage(this, 'SocketStage', { webSocketApi: socket, stageName: 'local', autoDeploy: true });
  }
}

export interface SynthesizedStack {
  templatePath: string;
  remove(): void;
}

/** Synthesizes the stack into a temporary folder (inline code: no assets, no bundling). */
export function synthHttpEventsStack(): SynthesizedStack {
  const outdir = mkdtempSync(path.join(tmpdir(), 'http-events-stack-'));
  const app = new App({ outdir });
  new HttpEventsStack(app, 'HttpEvents');
  app.synth();
  return { templatePath: path.join(outdir, 'HttpEvents.template.json'), remove: () => rmSync(outdir, { recursive: true, force: true }) };
}
