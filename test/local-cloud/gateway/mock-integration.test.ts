import { afterEach, describe, expect, it } from 'vitest';
import type { RouteConfig } from '../../../local-cloud/gateway/gateway-config.js';
import { mockResponder, type MockIntegrationConfig, type TemplateContext } from '../../../local-cloud/gateway/mock-integration.js';
import { STANDARD_ROUTES, TestResources } from './helpers.js';

const CONTEXT: TemplateContext = {
  apiId: 'testapi123',
  connectedAt: 1_700_000_000_000,
  connectionId: 'abcDEF=',
  domainName: '127.0.0.1',
  eventType: 'MESSAGE',
  extendedRequestId: 'ext',
  messageId: 'msg',
  requestId: 'req',
  requestTimeEpoch: 1_700_000_123_456,
  routeKey: 'heartbeat',
  stage: 'local',
};

/** The shape CDK synthesizes for a mock route (lib/constructs/websocket-gateway.ts addMockedAction). */
const mock = (reply: string, overrides: Partial<MockIntegrationConfig> = {}): MockIntegrationConfig => ({
  requestTemplates: { $default: '{"statusCode": 200}' },
  templateSelectionExpression: '\\$default',
  responses: [{ key: '$default', templates: { $default: reply }, templateSelectionExpression: '\\$default' }],
  ...overrides,
});

describe('MOCK integration templates', () => {
  it('renders $context variables into the integration response, as VTL inserts them', () => {
    const respond = mockResponder(mock('{"ts":$context.requestTimeEpoch,"c":"${context.connectionId}"}'), 'test');
    expect(respond(CONTEXT)).toEqual({ kind: 'reply', body: '{"ts":1700000123456,"c":"abcDEF="}' });
  });

  it('picks the integration response whose /regex/ key matches the status code, else $default', () => {
    const config = mock('default', {
      requestTemplates: { $default: '{"statusCode": 404}' },
      responses: [
        { key: '/2\\d\\d/', templates: { $default: 'ok' } },
        { key: '/4\\d\\d/', templates: { $default: 'client error' } },
        { key: '$default', templates: { $default: 'default' } },
      ],
    });
    expect(mockResponder(config, 'test')(CONTEXT)).toEqual({ kind: 'reply', body: 'client error' });
    // A regex key must match the whole status code.
    const partial = mock('default', { responses: [{ key: '/20/', templates: { $default: 'partial' } }, { key: '$default', templates: { $default: 'default' } }] });
    expect(mockResponder(partial, 'test')(CONTEXT)).toEqual({ kind: 'reply', body: 'default' });
  });

  it('is a configuration error when the request template sets no integer statusCode', () => {
    for (const template of ['{}', '{"statusCode": "200"}', '{"statusCode": 200.5}', 'not json']) {
      expect(mockResponder(mock('x', { requestTemplates: { $default: template } }), 'test')(CONTEXT).kind).toBe('error');
    }
    expect(mockResponder(mock('x', { requestTemplates: {} }), 'test')(CONTEXT).kind).toBe('error');
  });

  it('is an error when no integration response matches', () => {
    const config = mock('x', { responses: [{ key: '/5\\d\\d/', templates: { $default: 'x' } }] });
    expect(mockResponder(config, 'test')(CONTEXT)).toEqual({ kind: 'error', message: 'no integration response matches status 200' });
  });

  it('refuses templates it cannot render as API Gateway would, when the route is read', () => {
    for (const reply of ['$input.body', '#set($x = 1)$x', '{"a":$context.authorizer.principalId}', '{"a":$context.nope}', '$util.escapeJavaScript("x")']) {
      expect(() => mockResponder(mock(reply), 'route heartbeat'), reply).toThrow(/route heartbeat/);
    }
    expect(() => mockResponder(mock('x', { templateSelectionExpression: '${request.body.kind}' }), 'test')).toThrow(/not emulated/);
    expect(() => mockResponder(mock('x', { responses: [{ key: '200', templates: { $default: 'x' } }] }), 'test')).toThrow(/\$default or \/regex\//);
  });
});

describe('a MOCK route in the gateway', () => {
  const resources = new TestResources();
  afterEach(() => resources.cleanup());

  const routes: RouteConfig[] = [...STANDARD_ROUTES, { routeKey: 'heartbeat', mock: mock('{"event":"heartbeat","data":{"ts":$context.requestTimeEpoch,"id":"$context.connectionId"}}'), twoWay: true }];

  it('answers the frame itself, on the connection that sent it, without invoking any function', async () => {
    const { gateway, invoker } = await resources.gateway({ routes });
    const client = resources.client(gateway.url);
    await client.opened;
    const connectionId = (await invoker.waitForEvent('connectFn')).requestContext.connectionId as string;
    const before = Date.now();
    client.send('{"action":"heartbeat","id":"ignored"}');
    const reply = JSON.parse(await client.nextMessage()) as { event: string; data: { ts: number; id: string } };
    expect(reply.event).toBe('heartbeat');
    expect(reply.data.id).toBe(connectionId);
    expect(reply.data.ts).toBeGreaterThanOrEqual(before);
    expect(invoker.calls.map((call) => call.functionName)).toEqual(['connectFn']);
  });

  it('sends the generic error frame when the mock is misconfigured, and keeps the connection', async () => {
    const broken: RouteConfig = { routeKey: 'heartbeat', mock: mock('x', { requestTemplates: { $default: '{}' } }), twoWay: true };
    const { gateway } = await resources.gateway({ routes: [...STANDARD_ROUTES, broken] });
    const client = resources.client(gateway.url);
    await client.opened;
    client.send('{"action":"heartbeat"}');
    expect(JSON.parse(await client.nextMessage())).toMatchObject({ message: 'Internal server error' });
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });

  it('sends nothing back on a one-way mock route', async () => {
    const oneWay: RouteConfig = { routeKey: 'heartbeat', mock: mock('{"event":"heartbeat"}'), twoWay: false };
    const { gateway, invoker } = await resources.gateway({ routes: [...STANDARD_ROUTES, oneWay] });
    invoker.on('defaultFn', () => ({ statusCode: 200, body: 'probe' }));
    const client = resources.client(gateway.url);
    await client.opened;
    client.send('{"action":"heartbeat"}');
    // A mock answers without awaiting anything, so a reply would be on the wire before the probe's.
    client.send('not json');
    expect(await client.nextMessage()).toBe('probe');
    expect(client.messages).toEqual(['probe']);
  });

  it('refuses to start with a mock route it cannot emulate, or a mock $connect', async () => {
    await expect(resources.gateway({ routes: [...STANDARD_ROUTES, { routeKey: 'heartbeat', mock: mock('$input.body'), twoWay: true }] })).rejects.toThrow(/heartbeat/);
    const mockConnect: RouteConfig = { routeKey: '$connect', mock: mock('x'), twoWay: false };
    await expect(resources.gateway({ routes: [mockConnect, ...STANDARD_ROUTES.slice(1)] })).rejects.toThrow(/\$connect/);
  });
});
