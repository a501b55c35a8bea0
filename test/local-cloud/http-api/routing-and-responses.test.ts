import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpApiEmulator } from '../../../local-cloud/http-api/http-api-emulator.js';
import type { FunctionInvoker } from '../../../local-cloud/lambda/invoker.js';
import { type HttpEventsCloud, startHttpEventsCloud } from '../../support/http-events-cloud.js';
import { signedFetch } from '../../support/signed-request.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyEvent = any;

describe('HTTP API routing and responses, through the local cloud', () => {
  let env: HttpEventsCloud;
  beforeAll(async () => {
    env = await startHttpEventsCloud();
  });
  afterAll(() => env?.stop());

  const eventAt = async (path: string, options: Parameters<typeof signedFetch>[1] = {}): Promise<AnyEvent> => {
    const response = await signedFetch(`${env.api}${path}`, options);
    expect(response.status, path).toBe(200);
    return response.json();
  };

  it('passes path parameters and query strings as API Gateway does', async () => {
    const event = await eventAt('/v1/users/ann%40example.com/export?since=2026-01-01&tag=a&tag=b&q=two+words&empty=');
    expect(event.routeKey).toBe('GET /v1/users/{id}/export');
    expect(event.pathParameters).toEqual({ id: 'ann@example.com' });
    expect(event.rawPath).toBe('/v1/users/ann%40example.com/export');
    expect(event.rawQueryString).toBe('since=2026-01-01&tag=a&tag=b&q=two+words&empty=');
    expect(event.queryStringParameters).toEqual({ since: '2026-01-01', tag: 'a,b', q: 'two words', empty: '' });
    const bare = await eventAt('/v1/users/ann/export');
    expect(bare).not.toHaveProperty('queryStringParameters');
    expect(bare.rawQueryString).toBe('');
  });

  it('selects the most specific route: literal, then variable, then greedy, then ANY, then $default', async () => {
    expect((await eventAt('/v1/users/me')).routeKey).toBe('GET /v1/users/me');
    expect((await eventAt('/v1/users/me', { method: 'PATCH', body: '{}', headers: { 'content-type': 'application/json' } })).routeKey).toBe('ANY /v1/users/{id}');
    const greedy = await eventAt('/v1/files/a/b/c.txt', { method: 'DELETE' });
    expect(greedy).toMatchObject({ routeKey: 'ANY /v1/files/{proxy+}', pathParameters: { proxy: 'a/b/c.txt' } });
    // Nothing else matches: the $default route (the outsider's function) gets it, with the route key $default.
    const before = env.invocations('Outsider');
    const fallback = await eventAt('/no/such/route');
    expect(fallback.routeKey).toBe('$default');
    expect(fallback.requestContext.routeKey).toBe('$default');
    expect(fallback).not.toHaveProperty('pathParameters');
    expect(env.invocations('Outsider')).toBe(before + 1);
  });

  it('answers a bare return value as a 200 JSON body', async () => {
    const response = await signedFetch(`${env.api}/v1/files/x/bare`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ hello: 'world', path: '/v1/files/x/bare' });
    const text = await signedFetch(`${env.api}/v1/files/x/text`);
    expect(await text.text()).toBe('"just text"');
  });

  it('maps a structured response: status, headers, cookies as set-cookie, base64 bodies', async () => {
    const response = await signedFetch(`${env.api}/v1/files/x/structured`);
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.headers.get('x-answer')).toBe('42');
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2']);
    expect(response.headers.get('apigw-requestid')).toMatch(/^[A-Za-z0-9_-]{15}=$/);
    expect(await response.text()).toBe('created');
    const binary = await signedFetch(`${env.api}/v1/files/x/binary`);
    expect(Buffer.from(await binary.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('answers 500 when the function fails or returns what API Gateway cannot read, 503 when it runs past the integration timeout', async () => {
    for (const path of ['/v1/files/x/throws', '/v1/files/x/malformed']) {
      const response = await signedFetch(`${env.api}${path}`);
      expect(response.status, path).toBe(500);
      expect(await response.json()).toEqual({ message: 'Internal Server Error' });
    }
    // The function sleeps 2.5 s; the integration's TimeoutInMillis is 1 s.
    const slow = await signedFetch(`${env.api}/v1/slow`);
    expect(slow.status).toBe(503);
    expect(await slow.json()).toEqual({ message: 'Service Unavailable' });
  });

  it('throttles a route by its stage settings (burst 1, rate 0) with 429', async () => {
    expect((await signedFetch(`${env.api}/v1/throttled`)).status).toBe(200);
    const throttled = await signedFetch(`${env.api}/v1/throttled`);
    expect(throttled.status).toBe(429);
    expect(await throttled.json()).toEqual({ message: 'Too Many Requests' });
    // Other routes have their own buckets.
    expect((await signedFetch(`${env.api}/v1/users/me`)).status).toBe(200);
  });

  it('refuses bodies over 10 MB with 413 before any routing', async () => {
    const response = await fetch(`${env.api}/v1/open/x`, { method: 'POST', body: Buffer.alloc(10 * 1024 * 1024 + 1) });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ message: 'Request Entity Too Large' });
  });

  it('leaves the other local endpoints alone: /dev/token and /dev/events still answer, /apix is not the API', async () => {
    expect((await fetch(`${env.cloud.httpUrl}/dev/events`)).status).toBe(200);
    expect((await fetch(`${env.cloud.httpUrl}/apix/v1/open/a`)).status).toBe(404);
  });
});

describe('a named stage', () => {
  let server: Server;
  let base: string;
  const events: AnyEvent[] = [];
  beforeAll(async () => {
    const invoker: FunctionInvoker = {
      async invoke(_name, event) {
        events.push(event);
        return undefined;
      },
    };
    const emulator = new HttpApiEmulator({
      api: { apiId: 'abc1234567', stage: 'prod', region: 'us-east-1', accountId: '123456789012' },
      routes: [{ routeKey: 'GET /v1/items/{id}', functionName: 'fn', authorizationType: 'NONE', timeoutMs: 30_000 }],
      invoker,
      callers: new Map(),
      stageVariables: { tier: 'gold' },
      basePath: '/api',
    });
    server = createServer((request, response) => void emulator.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('keeps the stage in rawPath and http.path, matches routes below it, and passes stage variables', async () => {
    const response = await fetch(`${base}/v1/items/7`);
    // A function that returns nothing: Lambda's null, a 200 JSON body.
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('null');
    const event = events.at(-1);
    expect(event).toMatchObject({ rawPath: '/prod/v1/items/7', pathParameters: { id: '7' }, stageVariables: { tier: 'gold' } });
    expect(event.requestContext).toMatchObject({ stage: 'prod', http: { path: '/prod/v1/items/7' } });
    expect((await fetch(`${base}/v1/items`)).status).toBe(404);
    expect(await (await fetch(`${base}/v1/items`)).json()).toEqual({ message: 'Not Found' });
  });
});
