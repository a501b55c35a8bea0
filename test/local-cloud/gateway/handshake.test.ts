import { GetConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuthorizerConfig } from '../../../local-cloud/gateway/gateway-config.js';
import { FakeInvoker, TestResources, waitUntil, type AnyEvent } from './helpers.js';

const AUTHORIZER: AuthorizerConfig = { functionName: 'authFn', identitySource: ['route.request.querystring.token'] };

const allow = (event: AnyEvent, context: Record<string, unknown> = { userId: 'alice', deviceId: 'phone' }) => ({
  principalId: 'alice',
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }] },
  context,
});

const policy = (Effect: string, Resource: string | string[]) => ({
  principalId: 'alice',
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect, Resource }] },
});

describe('$connect REQUEST authorizer', () => {
  const resources = new TestResources();
  afterEach(() => resources.cleanup());

  it('refuses with 401 without invoking anything when the identity source is missing or empty', async () => {
    const invoker = new FakeInvoker({ authFn: allow });
    const { gateway } = await resources.gateway({ invoker, authorizer: AUTHORIZER });

    expect(await resources.client(gateway.url).refused).toBe(401);
    expect(await resources.client(`${gateway.url}/?token=`).refused).toBe(401);
    expect(await resources.client(`${gateway.url}/?other=1`).refused).toBe(401);
    expect(invoker.calls).toEqual([]);
    expect(gateway.connectionCount()).toBe(0);
  });

  it('checks header identity sources case-insensitively', async () => {
    const invoker = new FakeInvoker({ authFn: allow });
    const { gateway } = await resources.gateway({
      invoker,
      authorizer: { functionName: 'authFn', identitySource: ['route.request.header.Authorization'] },
    });
    expect(await resources.client(gateway.url).refused).toBe(401);
    expect(invoker.calls).toEqual([]);

    await resources.client(gateway.url, { headers: { authorization: 'Bearer t' } }).opened;
    expect(invoker.eventsOf('authFn')).toHaveLength(1);
  });

  it('sends an AWS WebSocket REQUEST authorizer event', async () => {
    const invoker = new FakeInvoker({ authFn: allow });
    const { gateway } = await resources.gateway({ invoker, authorizer: AUTHORIZER });
    await resources.client(`${gateway.url}/local?token=t1&device=d`, { headers: { 'User-Agent': 'ua' } }).opened;

    const [event] = invoker.eventsOf('authFn');
    const connect = await invoker.waitForEvent('connectFn');
    expect(event.type).toBe('REQUEST');
    expect(event.methodArn).toBe('arn:aws:execute-api:us-east-1:123456789012:testapi123/local/$connect');
    expect(event.queryStringParameters).toEqual({ token: 't1', device: 'd' });
    expect(event.multiValueQueryStringParameters).toEqual({ token: ['t1'], device: ['d'] });
    expect(event.stageVariables).toEqual({});
    expect(event.headers).toEqual(connect.headers);
    expect(event.multiValueHeaders).toEqual(connect.multiValueHeaders);
    const { authorizer, ...connectContext } = connect.requestContext;
    expect(authorizer).toBeDefined();
    expect(event.requestContext).toEqual(connectContext);
  });

  it('refuses with 401 when the authorizer throws Unauthorized, 500 on any other error', async () => {
    const invoker = new FakeInvoker({
      authFn: (event) => {
        throw new Error(event.queryStringParameters.token === 'bad' ? 'Unauthorized' : 'boom');
      },
    });
    const { gateway } = await resources.gateway({ invoker, authorizer: AUTHORIZER });

    expect(await resources.client(`${gateway.url}/?token=bad`).refused).toBe(401);
    expect(await resources.client(`${gateway.url}/?token=crash`).refused).toBe(500);
    expect(invoker.eventsOf('connectFn')).toEqual([]);
    expect(gateway.connectionCount()).toBe(0);
  });

  it('refuses with 403 on Deny, or when no statement allows the method ARN', async () => {
    const invoker = new FakeInvoker({
      authFn: (event) => {
        switch (event.queryStringParameters.token) {
          case 'deny':
            return policy('Deny', event.methodArn);
          case 'elsewhere':
            return policy('Allow', 'arn:aws:execute-api:us-east-1:123456789012:otherapi/local/$connect');
          case 'deny-wins':
            return {
              principalId: 'alice',
              policyDocument: {
                Version: '2012-10-17',
                Statement: [
                  { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' },
                  { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: 'arn:aws:execute-api:*:*:testapi123/*' },
                ],
              },
            };
          case 'wildcard':
            return policy('Allow', ['arn:aws:execute-api:us-east-1:123456789012:testapi123/*']);
          case 'nested-context':
            return { ...allow(event), context: { nested: { a: 1 } } };
          default:
            return { principalId: 'x' };
        }
      },
    });
    const { gateway } = await resources.gateway({ invoker, authorizer: AUTHORIZER });

    expect(await resources.client(`${gateway.url}/?token=deny`).refused).toBe(403);
    expect(await resources.client(`${gateway.url}/?token=elsewhere`).refused).toBe(403);
    expect(await resources.client(`${gateway.url}/?token=deny-wins`).refused).toBe(403);
    // AWS answers 500 to authorizer output it cannot use (AuthorizerConfigurationException).
    expect(await resources.client(`${gateway.url}/?token=nested-context`).refused).toBe(500);
    expect(await resources.client(`${gateway.url}/?token=no-policy`).refused).toBe(500);
    expect(invoker.eventsOf('connectFn')).toEqual([]);
    await resources.client(`${gateway.url}/?token=wildcard`).opened;
  });

  it('puts the authorizer context on $connect and every later event of the connection', async () => {
    const invoker = new FakeInvoker({
      authFn: (event) => allow(event, { userId: 'alice', deviceId: 'phone', admin: false, level: 3 }),
      echoFn: () => ({ statusCode: 200, body: 'ok' }),
    });
    const { gateway } = await resources.gateway({ invoker, authorizer: AUTHORIZER });
    const client = resources.client(`${gateway.url}/?token=t`);
    await client.opened;
    client.send('not json');
    client.send('{"action":"echo"}');
    await client.nextMessage(0);
    client.ws.close();
    await invoker.waitForEvent('disconnectFn');

    const events = [
      await invoker.waitForEvent('connectFn'),
      await invoker.waitForEvent('defaultFn'),
      await invoker.waitForEvent('echoFn'),
      await invoker.waitForEvent('disconnectFn'),
    ];
    for (const event of events) {
      const { integrationLatency, ...rest } = event.requestContext.authorizer;
      // Context values reach integrations as strings, as AWS documents for Lambda authorizers.
      expect(rest).toEqual({ userId: 'alice', deviceId: 'phone', admin: 'false', level: '3', principalId: 'alice' });
      expect(typeof integrationLatency).toBe('number');
      expect(integrationLatency).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('$connect route', () => {
  const resources = new TestResources();
  afterEach(() => resources.cleanup());

  it('refuses the handshake with a non-2xx statusCode and registers nothing', async () => {
    const invoker = new FakeInvoker({ connectFn: () => ({ statusCode: 403, body: 'no' }) });
    const { gateway } = await resources.gateway({ invoker });
    const refused = resources.client(gateway.url).refused;
    expect(await refused).toBe(403);

    const connectionId = (await invoker.waitForEvent('connectFn')).requestContext.connectionId;
    const error = await resources
      .managementClient(gateway)
      .send(new GetConnectionCommand({ ConnectionId: connectionId }))
      .then(() => undefined, (e: unknown) => e as { name: string; $metadata: { httpStatusCode: number } });
    expect(error?.name).toBe('GoneException');
    expect(error?.$metadata.httpStatusCode).toBe(410);
    expect(gateway.connectionCount()).toBe(0);
    // The connection never existed, so it never disconnects.
    await gateway.stop();
    expect(invoker.eventsOf('disconnectFn')).toEqual([]);
  });

  it('refuses with 500 when $connect throws', async () => {
    const invoker = new FakeInvoker({
      connectFn: () => {
        throw new Error('database down');
      },
    });
    const { gateway } = await resources.gateway({ invoker });
    expect(await resources.client(gateway.url).refused).toBe(500);
    expect(gateway.connectionCount()).toBe(0);
  });

  it('accepts a 2xx status, a string statusCode, or no result at all', async () => {
    const results: unknown[] = [{ statusCode: 200 }, { statusCode: '204' }, undefined];
    const invoker = new FakeInvoker({ connectFn: () => results.shift() });
    const { gateway } = await resources.gateway({ invoker });
    for (let i = 0; i < 3; i++) await resources.client(gateway.url).opened;
    await waitUntil(() => (gateway.connectionCount() === 3 ? true : undefined), '3 connections');
  });

  it('accepts / and /{stage} but not other paths', async () => {
    const { gateway, invoker } = await resources.gateway();
    await resources.client(`${gateway.url}/`).opened;
    await resources.client(`${gateway.url}/local?x=1`).opened;
    expect(await resources.client(`${gateway.url}/other`).refused).toBe(403);
    expect(invoker.eventsOf('connectFn')).toHaveLength(2);
  });

  it('negotiates the subprotocol $connect returns in Sec-WebSocket-Protocol', async () => {
    const invoker = new FakeInvoker({ connectFn: () => ({ statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'im.v1' } }) });
    const { gateway } = await resources.gateway({ invoker });
    const client = resources.client(gateway.url, {}, ['im.v2', 'im.v1']);
    await client.opened;
    expect(client.ws.protocol).toBe('im.v1');
  });

  it('fires $disconnect when the client left while $connect was running', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const invoker = new FakeInvoker({ connectFn: () => gate.then(() => ({ statusCode: 200 })) });
    const { gateway } = await resources.gateway({ invoker });
    const client = resources.client(gateway.url);
    const connect = await invoker.waitForEvent('connectFn');
    client.ws.terminate();
    await client.closed;
    release();

    const disconnect = await invoker.waitForEvent('disconnectFn');
    expect(disconnect.requestContext.connectionId).toBe(connect.requestContext.connectionId);
    expect(disconnect.requestContext.disconnectStatusCode).toBe(1006);
    expect(gateway.connectionCount()).toBe(0);
  });
});
