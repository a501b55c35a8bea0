import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { formatRequestTime } from '../../../local-cloud/gateway/ids.js';
import { TestResources, waitUntil, type AnyEvent } from './helpers.js';

/** Events captured from real AWS WebSocket APIs (see test/fixtures/aws-events/README.md). */
const fixture = (name: string): AnyEvent => JSON.parse(readFileSync(new URL(`../../fixtures/aws-events/${name}.json`, import.meta.url), 'utf8'));
const awsConnect = fixture('connect');
const awsDisconnect = fixture('disconnect');
const awsMessage = fixture('message');

const ID = /^[A-Za-z0-9_-]{15}=$/;
const REQUEST_TIME = /^\d{2}\/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/;
const DOMAIN = /^[a-z0-9]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com$/;
const TRACE_ID = /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/;
const ID_FIELDS = ['connectionId', 'requestId', 'extendedRequestId', 'messageId'];

const sortedKeys = (value: object): string[] => Object.keys(value).sort();

/** Same keys, same value types, and the formats AWS uses (checked on the fixture too, so the regexes are AWS's). */
function expectSameShape(ours: AnyEvent, aws: AnyEvent): void {
  expect(sortedKeys(ours.requestContext)).toEqual(sortedKeys(aws.requestContext));
  for (const [key, awsValue] of Object.entries<unknown>(aws.requestContext)) {
    const value = ours.requestContext[key];
    expect(typeof value, `requestContext.${key}`).toBe(typeof awsValue);
    if (ID_FIELDS.includes(key)) {
      expect(awsValue).toMatch(ID);
      expect(value, key).toMatch(ID);
    }
  }
  const context = ours.requestContext;
  expect(aws.requestContext.requestTime).toMatch(REQUEST_TIME);
  expect(context.requestTime).toMatch(REQUEST_TIME);
  expect(context.requestTime).toBe(formatRequestTime(context.requestTimeEpoch));
  expect(aws.requestContext.domainName).toMatch(DOMAIN);
  expect(context.domainName).toBe('testapi123.execute-api.us-east-1.amazonaws.com');
  expect(context.apiId).toBe('testapi123');
  expect(context.stage).toBe('local');
  expect(context.messageDirection).toBe('IN');
  expect(Number.isInteger(context.connectedAt) && context.connectedAt > 1e12).toBe(true);
  expect(Number.isInteger(context.requestTimeEpoch)).toBe(true);
  expect(context.requestTimeEpoch).toBeGreaterThanOrEqual(context.connectedAt);
  // Every captured event has requestId === extendedRequestId.
  expect(aws.requestContext.requestId).toBe(aws.requestContext.extendedRequestId);
  expect(context.requestId).toBe(context.extendedRequestId);
  expect(context.identity.sourceIp).toBe('127.0.0.1');
  expect(ours.isBase64Encoded).toBe(false);
}

describe('Lambda proxy events match events captured from AWS', () => {
  const resources = new TestResources();
  afterEach(() => resources.cleanup());

  it('$connect has the fields, types and formats of connect.json', async () => {
    const { gateway, invoker } = await resources.gateway();
    const client = resources.client(`${gateway.url}/local`);
    await client.opened;
    const event = await invoker.waitForEvent('connectFn');

    // The client sent no query string: AWS omits both query keys then.
    expect(sortedKeys(event)).toEqual(sortedKeys(awsConnect));
    expectSameShape(event, awsConnect);
    expect(event.requestContext.routeKey).toBe('$connect');
    expect(event.requestContext.eventType).toBe('CONNECT');
    // ws sends the same handshake headers as the captured client; the gateway adds the proxy ones.
    expect(sortedKeys(event.headers)).toEqual(sortedKeys(awsConnect.headers));
    expect(sortedKeys(event.multiValueHeaders)).toEqual(sortedKeys(awsConnect.multiValueHeaders));
    for (const [name, value] of Object.entries(event.headers)) expect(event.multiValueHeaders[name]).toEqual([value]);
    expect(awsConnect.headers['X-Amzn-Trace-Id']).toMatch(TRACE_ID);
    expect(event.headers['X-Amzn-Trace-Id']).toMatch(TRACE_ID);
    expect(event.headers['X-Forwarded-For']).toBe('127.0.0.1');
    expect(event.headers['X-Forwarded-Port']).toBe(String(gateway.port));
    expect(event.headers['X-Forwarded-Proto']).toBe('http');
    expect(event.headers.Host).toBe(`127.0.0.1:${gateway.port}`);
    // No User-Agent sent, so none in identity (as in connect.json).
    expect(event.requestContext.identity).toEqual({ sourceIp: '127.0.0.1' });
    expect(event.requestContext.authorizer).toBeUndefined();
  });

  it('$connect carries the query string, client header names and the user agent', async () => {
    const { gateway, invoker } = await resources.gateway();
    const client = resources.client(`${gateway.url}/?token=abc&device=d1&tag=x&tag=y&empty=`, {
      headers: { 'User-Agent': 'test-agent/1.0', 'x-custom': 'v1', 'X-Forwarded-For': '10.0.0.9' },
    });
    await client.opened;
    const event = await invoker.waitForEvent('connectFn');

    expect(sortedKeys(event)).toEqual(sortedKeys({ ...awsConnect, queryStringParameters: 1, multiValueQueryStringParameters: 1 }));
    expect(event.queryStringParameters).toEqual({ token: 'abc', device: 'd1', tag: 'y', empty: '' });
    expect(event.multiValueQueryStringParameters).toEqual({ token: ['abc'], device: ['d1'], tag: ['x', 'y'], empty: [''] });
    expect(event.headers['User-Agent']).toBe('test-agent/1.0');
    expect(event.headers['x-custom']).toBe('v1');
    expect(event.headers['X-Forwarded-For']).toBe('10.0.0.9, 127.0.0.1');
    expect(event.headers.Connection).toBeUndefined();
    expect(event.headers.Upgrade).toBeUndefined();
    expect(event.requestContext.identity).toEqual({ sourceIp: '127.0.0.1', userAgent: 'test-agent/1.0' });
  });

  it('message events have the fields, types and formats of message.json', async () => {
    const { gateway, invoker } = await resources.gateway();
    const client = resources.client(gateway.url, { headers: { 'User-Agent': 'test-agent/1.0' } });
    await client.opened;
    client.send(awsMessage.body);
    const event = await invoker.waitForEvent('defaultFn');
    const connect = await invoker.waitForEvent('connectFn');

    expect(sortedKeys(event)).toEqual(sortedKeys(awsMessage));
    expectSameShape(event, awsMessage);
    expect(sortedKeys(event.requestContext.identity)).toEqual(sortedKeys(awsMessage.requestContext.identity));
    expect(event.body).toBe(awsMessage.body);
    expect(event.requestContext.routeKey).toBe('$default');
    expect(event.requestContext.eventType).toBe('MESSAGE');
    expect(event.requestContext.messageId).not.toBe(event.requestContext.requestId);
    expect(event.requestContext.connectionId).toBe(connect.requestContext.connectionId);
    expect(event.requestContext.connectedAt).toBe(connect.requestContext.connectedAt);
  });

  it('$disconnect has the fields, types and formats of disconnect.json', async () => {
    const { gateway, invoker } = await resources.gateway();
    const client = resources.client(gateway.url, { headers: { 'User-Agent': 'test-agent/1.0' } });
    await client.opened;
    client.ws.close(1001);
    const event = await invoker.waitForEvent('disconnectFn');
    const connect = await invoker.waitForEvent('connectFn');

    expect(sortedKeys(event)).toEqual(sortedKeys(awsDisconnect));
    expectSameShape(event, awsDisconnect);
    expect(sortedKeys(event.requestContext.identity)).toEqual(sortedKeys(awsDisconnect.requestContext.identity));
    expect(event.headers).toEqual({ Host: 'testapi123.execute-api.us-east-1.amazonaws.com', 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' });
    expect(sortedKeys(event.multiValueHeaders)).toEqual(sortedKeys(awsDisconnect.multiValueHeaders));
    expect(event.requestContext.routeKey).toBe('$disconnect');
    expect(event.requestContext.eventType).toBe('DISCONNECT');
    expect(event.requestContext.disconnectStatusCode).toBe(1001);
    expect(event.requestContext.disconnectReason).toBe('');
    expect(event.requestContext.connectionId).toBe(connect.requestContext.connectionId);
  });

  it('gives every connection, request and message its own id', async () => {
    const { gateway, invoker } = await resources.gateway();
    const clients = [resources.client(gateway.url), resources.client(gateway.url), resources.client(gateway.url)];
    await Promise.all(clients.map((c) => c.opened));
    for (const client of clients) for (let i = 0; i < 5; i++) client.send(`m${i}`);
    await waitUntil(() => (invoker.eventsOf('defaultFn').length === 15 ? true : undefined), '15 messages');
    await resources.cleanup();

    const ids = new Map<string, Set<string>>();
    for (const { event } of invoker.calls) {
      const context = event.requestContext;
      for (const field of ['requestId', 'messageId']) {
        if (context[field] === undefined) continue;
        expect(context[field]).toMatch(ID);
        const seen = ids.get(context[field]) ?? new Set<string>();
        seen.add(field);
        ids.set(context[field], seen);
      }
    }
    // 3 connects + 15 messages + 3 disconnects, each with a fresh requestId; 15 messageIds.
    expect(ids.size).toBe(3 + 15 + 3 + 15);
    const connectionIds = new Set(invoker.eventsOf('connectFn').map((e) => e.requestContext.connectionId));
    expect(connectionIds.size).toBe(3);
  });
});
