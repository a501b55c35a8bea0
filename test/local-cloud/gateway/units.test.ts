import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { evaluateAuthorizerOutput } from '../../../local-cloud/gateway/authorizer-policy.js';
import { errorFrame } from '../../../local-cloud/gateway/error-responses.js';
import { watchFrameSizes } from '../../../local-cloud/gateway/frame-size-guard.js';
import { formatRequestTime, newAwsId, newTraceId } from '../../../local-cloud/gateway/ids.js';
import { matchManagementPath } from '../../../local-cloud/gateway/management-api.js';
import { routeResponseBody } from '../../../local-cloud/gateway/message-dispatch.js';
import { createRouteSelector } from '../../../local-cloud/gateway/route-selection.js';
import { STANDARD_ROUTES } from './helpers.js';

describe('ids', () => {
  it('look like API Gateway ids and do not repeat', () => {
    const ids = new Set(Array.from({ length: 10_000 }, newAwsId));
    expect(ids.size).toBe(10_000);
    for (const id of [...ids].slice(0, 100)) expect(id).toMatch(/^[A-Za-z0-9_-]{15}=$/);
  });

  it('format requestTime in UTC as dd/Mon/yyyy:HH:mm:ss +0000', () => {
    // The fixtures' own pairs: connect.json and disconnect.json.
    expect(formatRequestTime(1731324924561)).toBe('11/Nov/2024:11:35:24 +0000');
    expect(formatRequestTime(1705751708326)).toBe('20/Jan/2024:11:55:08 +0000');
    expect(formatRequestTime(Date.UTC(2025, 0, 5, 3, 4, 5))).toBe('05/Jan/2025:03:04:05 +0000');
  });

  it('format X-Amzn-Trace-Id like X-Ray', () => {
    expect(newTraceId(1731324924553)).toMatch(/^Root=1-6731ebfc-[0-9a-f]{24}$/);
  });
});

describe('route selection', () => {
  const select = createRouteSelector('$request.body.action', STANDARD_ROUTES);
  const keyOf = (body: string) => {
    const selection = select(body);
    return selection.kind === 'route' ? selection.route.routeKey : 'none';
  };

  it('picks the named route, else $default', () => {
    expect(keyOf('{"action":"echo"}')).toBe('echo');
    expect(keyOf('{"action":"oneWay","x":1}')).toBe('oneWay');
    for (const body of ['', 'x', '{', 'null', '[]', '{"action":null}', '{"action":"ECHO"}', '{"action":"$connect"}', '{"action":"$default"}', '{"action":"toString"}', '{"__proto__":{"action":"echo"}}']) {
      expect(keyOf(body), body).toBe('$default');
    }
  });

  it('matches nothing without $default', () => {
    const strict = createRouteSelector('$request.body.action', STANDARD_ROUTES.filter((r) => r.routeKey !== '$default'));
    expect(strict('{"action":"x"}')).toEqual({ kind: 'none' });
    expect(strict('{"action":"echo"}').kind).toBe('route');
  });
});

describe('authorizer output', () => {
  const arn = 'arn:aws:execute-api:us-east-1:123456789012:api/local/$connect';
  const output = (statements: unknown, context?: unknown) => ({ principalId: 'u', policyDocument: { Version: '2012-10-17', Statement: statements }, context });

  it('allows when a statement allows the ARN, wildcards included, and no Deny applies', () => {
    expect(evaluateAuthorizerOutput(output({ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: arn }), arn).kind).toBe('allow');
    expect(evaluateAuthorizerOutput(output([{ Effect: 'Allow', Action: 'execute-api:*', Resource: ['arn:aws:execute-api:*:*:api/*/$conn?ct'] }]), arn).kind).toBe('allow');
    expect(evaluateAuthorizerOutput(output([{ Effect: 'Allow', Action: '*', Resource: '*' }]), arn).kind).toBe('allow');
  });

  it('denies on Deny, on no matching Allow, and on other actions', () => {
    expect(evaluateAuthorizerOutput(output([{ Effect: 'Deny', Action: 'execute-api:Invoke', Resource: arn }]), arn).kind).toBe('deny');
    expect(evaluateAuthorizerOutput(output([{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `${arn}x` }]), arn).kind).toBe('deny');
    expect(evaluateAuthorizerOutput(output([{ Effect: 'Allow', Action: 'execute-api:ManageConnections', Resource: arn }]), arn).kind).toBe('deny');
  });

  it('stringifies context values and rejects nested ones', () => {
    const allowed = evaluateAuthorizerOutput(output({ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: arn }, { s: 'x', n: 1, b: true }), arn);
    expect(allowed).toEqual({ kind: 'allow', principalId: 'u', context: { s: 'x', n: '1', b: 'true' } });
    expect(evaluateAuthorizerOutput(output({ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: arn }, { a: [1] }), arn).kind).toBe('invalid');
    expect(evaluateAuthorizerOutput(null, arn).kind).toBe('invalid');
    expect(evaluateAuthorizerOutput({ policyDocument: {} }, arn).kind).toBe('invalid');
  });
});

describe('frame size guard', () => {
  /** A masked client frame header for `length` payload bytes. */
  function header(length: number, opcode = 0x1): Buffer {
    const first = 0x80 | opcode;
    if (length < 126) return Buffer.from([first, 0x80 | length, 1, 2, 3, 4]);
    if (length < 65536) {
      const b = Buffer.from([first, 0x80 | 126, 0, 0, 1, 2, 3, 4]);
      b.writeUInt16BE(length, 2);
      return b;
    }
    const b = Buffer.alloc(14);
    b[0] = first;
    b[1] = 0x80 | 127;
    b.writeBigUInt64BE(BigInt(length), 2);
    return b;
  }

  it('follows frame boundaries across arbitrary chunking and reports the first oversized data frame', async () => {
    const stream = new PassThrough();
    const reports: number[] = [];
    watchFrameSizes(stream, 1000, (size) => reports.push(size));
    const bytes = Buffer.concat([
      header(5),
      Buffer.alloc(5),
      header(1000),
      Buffer.alloc(1000),
      header(125, 0x9), // ping
      Buffer.alloc(125),
      header(1001),
      Buffer.alloc(1001),
      header(70_000),
    ]);
    // One byte at a time: the hardest split of headers and payloads.
    const ended = new Promise((resolve) => stream.once('end', resolve));
    for (const byte of bytes) stream.write(Buffer.from([byte]));
    stream.end();
    stream.resume();
    await ended;
    expect(reports).toEqual([1001]);
  });
});

describe('small pieces', () => {
  it('error frames are byte-identical to AWS', () => {
    expect(errorFrame('Internal server error', 'VNRUSeldSwMCIRQ=', 'VNRXVFJOywMF3-Q=')).toBe(
      '{"message": "Internal server error", "connectionId":"VNRUSeldSwMCIRQ=", "requestId":"VNRXVFJOywMF3-Q="}',
    );
  });

  it('route response bodies', () => {
    expect(routeResponseBody({ statusCode: 200, body: 'b' })).toBe('b');
    expect(routeResponseBody('s')).toBe('s');
    expect(routeResponseBody(undefined)).toBeUndefined();
    expect(routeResponseBody({ statusCode: 200 })).toBeUndefined();
    expect(routeResponseBody({ body: { not: 'a string' } })).toBeUndefined();
  });

  it('management paths with and without the stage', () => {
    expect(matchManagementPath('/local/@connections/abc%3D', 'local')).toBe('abc%3D');
    expect(matchManagementPath('/@connections/abc', 'local')).toBe('abc');
    expect(matchManagementPath('/other/@connections/abc', 'local')).toBeUndefined();
    expect(matchManagementPath('/local/@connections/', 'local')).toBeUndefined();
    expect(matchManagementPath('/dev/token', 'local')).toBeUndefined();
  });
});
