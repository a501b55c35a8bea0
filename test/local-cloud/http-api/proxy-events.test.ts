import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatRequestTime } from '../../../local-cloud/gateway/ids.js';
import { type HttpEventsCloud, startHttpEventsCloud } from '../../support/http-events-cloud.js';
import { signedFetch } from '../../support/signed-request.js';

/** Payload 2.0 events captured from AWS (see test/fixtures/aws-events/README.md). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyEvent = any;
const fixture = (name: string): AnyEvent => JSON.parse(readFileSync(new URL(`../../fixtures/aws-events/${name}.json`, import.meta.url), 'utf8'));
const awsPlain = fixture('http-api-v2');
const awsIam = fixture('http-api-v2-iam');

const REQUEST_ID = /^[A-Za-z0-9_-]{15}=$/;
const TIME = /^\d{2}\/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/;
const TRACE_ID = /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/;
const sortedKeys = (value: object): string[] => Object.keys(value).sort();
const without = (keys: string[], ...drop: string[]) => keys.filter((key) => !drop.includes(key));

/** Same value types key by key, for every key the AWS event has. */
function expectSameTypes(ours: Record<string, unknown>, aws: Record<string, unknown>, where: string): void {
  for (const [key, value] of Object.entries(aws)) {
    // Keys AWS leaves out of this event are compared as key sets, not here.
    if (value === null || ours[key] === null || !(key in ours)) continue;
    expect(typeof ours[key], `${where}.${key}`).toBe(typeof value);
  }
}

describe('HTTP API events (payload 2.0) match events captured from AWS', () => {
  let env: HttpEventsCloud;
  beforeAll(async () => {
    env = await startHttpEventsCloud();
  });
  afterAll(() => env?.stop());

  /** The function of the fixture stack answers with the event it received. */
  const eventOf = async (response: Response): Promise<AnyEvent> => {
    expect(response.status).toBe(200);
    return response.json();
  };

  it('a request to a route without authorization has the keys, types and formats of http-api-v2.json', async () => {
    const event = await eventOf(await fetch(`${env.api}/v1/open/ann`, { headers: { 'user-agent': 'curl/8.5.0', accept: '*/*' } }));
    const api = env.cloud.httpApi!;

    // The route has a path variable, the captured one ($default) has none; the captured API used mutual TLS.
    expect(sortedKeys(event)).toEqual(sortedKeys({ ...awsPlain, pathParameters: {} }));
    expect(sortedKeys(event.requestContext)).toEqual(without(sortedKeys(awsPlain.requestContext), 'authentication'));
    expect(sortedKeys(event.requestContext.http)).toEqual(sortedKeys(awsPlain.requestContext.http));
    expectSameTypes(event, awsPlain, 'event');
    expectSameTypes(event.requestContext, awsPlain.requestContext, 'requestContext');
    expectSameTypes(event.requestContext.http, awsPlain.requestContext.http, 'http');

    expect(event).toMatchObject({ version: '2.0', routeKey: 'GET /v1/open/{name}', rawPath: '/v1/open/ann', rawQueryString: '', pathParameters: { name: 'ann' }, isBase64Encoded: false });
    const context = event.requestContext;
    expect(awsPlain.requestContext.requestId).toMatch(REQUEST_ID);
    expect(context.requestId).toMatch(REQUEST_ID);
    expect(awsPlain.requestContext.time).toMatch(TIME);
    expect(context.time).toBe(formatRequestTime(context.timeEpoch));
    expect(context).toMatchObject({
      accountId: '123456789012',
      apiId: api.apiId,
      domainName: `${api.apiId}.execute-api.us-east-1.amazonaws.com`,
      domainPrefix: api.apiId,
      routeKey: 'GET /v1/open/{name}',
      stage: '$default',
      http: { method: 'GET', path: '/v1/open/ann', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'curl/8.5.0' },
    });
    expect(context.authorizer).toBeUndefined();

    // Headers: lower case, the client's plus the ones API Gateway adds (content-length even for a GET).
    for (const name of Object.keys(awsPlain.headers)) expect(event.headers, name).toHaveProperty(name);
    for (const name of Object.keys(event.headers)) expect(name).toBe(name.toLowerCase());
    expect(awsPlain.headers['x-amzn-trace-id']).toMatch(TRACE_ID);
    expect(event.headers['x-amzn-trace-id']).toMatch(TRACE_ID);
    expect(event.headers).toMatchObject({ 'content-length': '0', 'x-forwarded-for': '127.0.0.1', 'x-forwarded-port': String(env.cloud.port), 'x-forwarded-proto': 'http' });
  });

  it('a signed request to an AWS_IAM route has the keys and types of http-api-v2-iam.json, values as sent', async () => {
    const body = '{\r\n\t"a": 1\r\n}';
    const response = await signedFetch(`${env.api}/v1/files/hello/world?parameter1=value1&parameter1=value2&parameter2=value`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', cookie: 'cookie1=a; cookie2=b', 'user-agent': 'agent' },
    });
    const event = await eventOf(response);
    expect(response.headers.get('apigw-requestid')).toBe(event.requestContext.requestId);

    // This stage has no stage variables, so the key is absent (AWS leaves empty parts out).
    expect(sortedKeys(event)).toEqual(without(sortedKeys(awsIam), 'stageVariables'));
    expect(sortedKeys(event.requestContext)).toEqual(sortedKeys(awsIam.requestContext));
    expect(sortedKeys(event.requestContext.authorizer)).toEqual(['iam']);
    expect(sortedKeys(event.requestContext.authorizer.iam)).toEqual(sortedKeys(awsIam.requestContext.authorizer.iam));
    expectSameTypes(event, awsIam, 'event');
    expectSameTypes(event.requestContext, awsIam.requestContext, 'requestContext');
    expectSameTypes(event.requestContext.authorizer.iam, awsIam.requestContext.authorizer.iam, 'iam');

    expect(event).toMatchObject({
      routeKey: 'ANY /v1/files/{proxy+}',
      rawPath: '/v1/files/hello/world',
      rawQueryString: 'parameter1=value1&parameter1=value2&parameter2=value',
      cookies: ['cookie1=a', 'cookie2=b'],
      queryStringParameters: { parameter1: 'value1,value2', parameter2: 'value' },
      pathParameters: { proxy: 'hello/world' },
      body,
      isBase64Encoded: false,
    });
    // Cookies travel in `cookies`, not as a header.
    expect(event.headers.cookie).toBeUndefined();
    expect(event.requestContext.http).toEqual({ method: 'POST', path: '/v1/files/hello/world', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'agent' });
    expect(event.requestContext.authorizer.iam).toEqual({
      accessKey: 'local',
      accountId: '123456789012',
      callerId: expect.stringMatching(/^AIDA[A-Z0-9]{17}$/),
      cognitoIdentity: null,
      principalOrgId: null,
      userArn: 'arn:aws:iam::123456789012:user/local',
      userId: event.requestContext.authorizer.iam.callerId,
    });
  });

  it('a function signing with its own role appears as a session of that role', async () => {
    const event = await eventOf(await signedFetch(`${env.api}/v1/users/u1/export`, { credentials: env.functionCredentials('Publisher') }));
    const name = env.functionName('Publisher');
    expect(event.requestContext.authorizer.iam).toMatchObject({
      accessKey: env.functionCredentials('Publisher').accessKeyId,
      userArn: expect.stringMatching(new RegExp(`^arn:aws:sts::123456789012:assumed-role/HttpEvents-PublisherServiceRole[^/]+/${name}$`)),
      callerId: expect.stringMatching(new RegExp(`^[A-Z0-9]{21}:${name}$`)),
    });
  });

  it('passes binary bodies base64-encoded, and joins repeated headers with commas', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const binary = await eventOf(await signedFetch(`${env.api}/v1/files/blob`, { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': 'application/octet-stream' } }));
    expect(binary.isBase64Encoded).toBe(true);
    expect(Buffer.from(binary.body, 'base64')).toEqual(bytes);

    const event: AnyEvent = await new Promise((resolve, reject) => {
      // An array value is sent as two header lines.
      const outgoing = httpRequest(`${env.api}/v1/open/x`, { headers: { 'x-dup': ['a', 'b'], accept: '*/*' } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      });
      outgoing.on('error', reject);
      outgoing.end();
    });
    expect(event.headers['x-dup']).toBe('a,b');
    // No User-Agent sent: API Gateway's userAgent is empty, the header absent.
    expect(event.requestContext.http.userAgent).toBe('');
    expect(event.headers['user-agent']).toBeUndefined();
  });
});
