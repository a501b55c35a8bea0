import { afterAll, describe, expect, it } from 'vitest';
import { renderAccessLog } from '../../../local-cloud/http-api/access-log.js';
import { mapLambdaResult } from '../../../local-cloud/http-api/integration-response.js';
import { localHttpApiUrl } from '../../../local-cloud/http-api/local-url.js';
import { isTextContentType } from '../../../local-cloud/http-api/proxy-event-v2.js';
import { parseQuery } from '../../../local-cloud/http-api/query-string.js';
import { StageThrottle } from '../../../local-cloud/http-api/throttle.js';
import { readHttpApi } from '../../../local-cloud/template/read-http-api.js';
import { readTemplate } from '../../../local-cloud/template/read-template.js';
import { ACCESS_LOG_FORMAT, synthHttpEventsStack } from '../../support/http-events-stack.js';

describe('Lambda result to HTTP response (payload format 2.0)', () => {
  it('turns any JSON value without statusCode into a 200 application/json body', () => {
    for (const value of [{ hello: 'world' }, 'just text', 42, [1, 2], null]) {
      expect(mapLambdaResult(value)).toEqual({ ok: true, response: { status: 200, headers: [['content-type', 'application/json']], body: Buffer.from(JSON.stringify(value)) } });
    }
  });

  it('maps a structured response: status, headers as strings, cookies as set-cookie, base64 bodies', () => {
    const mapped = mapLambdaResult({ statusCode: 201, headers: { 'x-n': 1, 'x-b': true }, cookies: ['a=1', 'b=2; Secure'], body: Buffer.from([0, 255]).toString('base64'), isBase64Encoded: true });
    expect(mapped).toEqual({
      ok: true,
      response: { status: 201, headers: [['x-n', '1'], ['x-b', 'true'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2; Secure']], body: Buffer.from([0, 255]) },
    });
    expect(mapLambdaResult({ statusCode: 204 })).toEqual({ ok: true, response: { status: 204, headers: [], body: Buffer.alloc(0) } });
  });

  it('refuses what API Gateway cannot read (the client gets a 500)', () => {
    for (const result of [{ statusCode: 'ok' }, { statusCode: 99 }, { statusCode: 200, body: { a: 1 } }, { statusCode: 200, headers: { a: { b: 1 } } }, { statusCode: 200, cookies: 'a=1' }, { statusCode: 200, isBase64Encoded: 'yes' }]) {
      expect(mapLambdaResult(result).ok).toBe(false);
    }
  });
});

describe('stage throttling', () => {
  it('lets a burst through, then refills at the rate limit', () => {
    let now = 0;
    const throttle = new StageThrottle({ burstLimit: 2, rateLimit: 1 }, {}, () => now);
    expect([throttle.allow('GET /a'), throttle.allow('GET /a'), throttle.allow('GET /a')]).toEqual([true, true, false]);
    // Buckets are per route.
    expect(throttle.allow('GET /b')).toBe(true);
    now = 999;
    expect(throttle.allow('GET /a')).toBe(false);
    now = 1000;
    expect(throttle.allow('GET /a')).toBe(true);
  });

  it('takes route settings over the defaults field by field, and is unlimited without settings', () => {
    const throttle = new StageThrottle({ burstLimit: 100, rateLimit: 50 }, { 'GET /tight': { burstLimit: 1, rateLimit: 0 } }, () => 0);
    expect([throttle.allow('GET /tight'), throttle.allow('GET /tight')]).toEqual([true, false]);
    const open = new StageThrottle(undefined, {}, () => 0);
    expect(Array.from({ length: 10_000 }, () => open.allow('GET /a')).every(Boolean)).toBe(true);
  });
});

describe('small parts', () => {
  it('renders access-log formats, with - for unknown or empty variables', () => {
    expect(renderAccessLog('$context.requestId $context.status "$context.error.message" $context.nope.', { requestId: 'r1', status: 403, 'error.message': 'Forbidden' })).toBe('r1 403 "Forbidden" -.');
  });

  it('reads query strings as API Gateway does: decoded, + as space, repeated names in order', () => {
    expect(parseQuery('a=1&a=2&b=x+y%21&flag&=v&c=%ZZ')).toEqual({ a: ['1', '2'], b: 'x y!', flag: '', '': 'v', c: '%ZZ' });
  });

  it('passes text bodies as text and anything else base64-encoded', () => {
    for (const type of ['text/plain', 'application/json; charset=utf-8', 'application/problem+json', 'application/xml', 'application/x-www-form-urlencoded']) expect(isTextContentType(type)).toBe(true);
    for (const type of [undefined, 'application/octet-stream', 'image/png', 'multipart/form-data; boundary=x']) expect(isTextContentType(type)).toBe(false);
  });

  it("points the HTTP API's AWS URL at the local one, stage included", () => {
    const api = { apiId: 'abc123', stage: 'prod', localUrl: 'http://127.0.0.1:3000/api' };
    expect(localHttpApiUrl('https://abc123.execute-api.us-east-1.amazonaws.com/prod/v1/users', 'us-east-1', api)).toBe('http://127.0.0.1:3000/api/v1/users');
    expect(localHttpApiUrl('https://abc123.execute-api.us-east-1.amazonaws.com/', 'us-east-1', { ...api, stage: '$default' })).toBe('http://127.0.0.1:3000/api/');
    expect(localHttpApiUrl('https://other.execute-api.us-east-1.amazonaws.com/prod', 'us-east-1', api)).toBe('https://other.execute-api.us-east-1.amazonaws.com/prod');
  });
});

describe('reading the HTTP API from a synthesized template', () => {
  const stack = synthHttpEventsStack();
  afterAll(() => stack.remove());

  it('finds routes, their functions, authorization and timeouts, and the stage settings', () => {
    const { model, resources } = readTemplate({ templatePath: stack.templatePath, suffix: 'TEST' });
    const api = readHttpApi(model.template, resources)!;
    expect(api.stageName).toBe('$default');
    expect(api.apiId).toBe(resources.get(api.logicalId)!.ref);
    const routes = Object.fromEntries(api.routes.map((route) => [route.routeKey, route]));
    expect(Object.keys(routes)).toEqual(expect.arrayContaining(['GET /v1/users/{id}/export', 'ANY /v1/files/{proxy+}', 'GET /v1/open/{name}', '$default']));
    expect(routes['GET /v1/users/{id}/export']).toMatchObject({ authorizationType: 'AWS_IAM', timeoutMs: 30_000, functionLogicalId: expect.stringMatching(/^Publisher/) });
    expect(routes['GET /v1/open/{name}']!.authorizationType).toBe('NONE');
    expect(routes['GET /v1/slow']!.timeoutMs).toBe(1000);
    expect(routes['POST /v1/publish-denied']!.functionLogicalId).toMatch(/^Outsider/);
    expect(api.defaultThrottle).toEqual({ burstLimit: 100, rateLimit: 50 });
    expect(api.routeThrottles).toEqual({ 'GET /v1/throttled': { burstLimit: 1, rateLimit: 0 } });
    expect(api.accessLog).toEqual({ format: ACCESS_LOG_FORMAT, destinationLogicalId: expect.stringMatching(/^ServerApiAccessLogs/) });
    expect(resources.get(api.logicalId)!.attributes.ApiEndpoint).toBe(`https://${api.apiId}.execute-api.us-east-1.amazonaws.com`);
  });

  it('gives inline-code functions a CommonJS module next to the project’s node_modules', async () => {
    const { model } = readTemplate({ templatePath: stack.templatePath, suffix: 'TEST' });
    const fn = model.functions.find((candidate) => candidate.logicalId.startsWith('Publisher'))!;
    expect(fn.modulePath).toMatch(/node_modules\/\.cache\/local-cloud\/inline-code\/[0-9a-f]{16}\/index\.js$/);
    const { readFile } = await import('node:fs/promises');
    expect(JSON.parse(await readFile(fn.modulePath.replace(/index\.js$/, 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
  });
});
