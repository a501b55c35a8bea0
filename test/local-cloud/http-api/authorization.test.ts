import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpEventsCloud, startHttpEventsCloud } from '../../support/http-events-cloud.js';
import { LOCAL_BACKEND, presignedUrl, signedFetch, signedHeaders } from '../../support/signed-request.js';

/**
 * AWS_IAM routes: a request reaches the function only with a valid SigV4 signature of the request
 * as received; everything else is API Gateway's 403, and the function is never invoked.
 */
describe('AWS_IAM authorization on HTTP API routes', () => {
  let env: HttpEventsCloud;
  beforeAll(async () => {
    env = await startHttpEventsCloud();
    // Warm the function up, so the first test's figures are not a cold start's.
    await signedFetch(`${env.api}/v1/users/warm/export`);
  });
  afterAll(() => env?.stop());

  const exportUrl = () => `${env.api}/v1/users/u1/export`;

  /** The response, and whether the route's function ran for it. */
  async function refusedWithoutInvoking(send: () => Promise<Response>): Promise<{ status: number; body: { message: string } }> {
    const before = env.invocations('Publisher');
    const response = await send();
    const body = (await response.json()) as { message: string };
    expect(env.invocations('Publisher')).toBe(before);
    expect(response.headers.get('content-type')).toBe('application/json');
    return { status: response.status, body };
  }

  it('lets a request signed with the backend credentials (local/local) through to the function', async () => {
    const response = await signedFetch(exportUrl(), { credentials: LOCAL_BACKEND });
    expect(response.status).toBe(200);
    const event = (await response.json()) as { requestContext: { authorizer: { iam: { accessKey: string } } } };
    expect(event.requestContext.authorizer.iam.accessKey).toBe('local');
  });

  it('refuses an unsigned request with Forbidden', async () => {
    expect(await refusedWithoutInvoking(() => fetch(exportUrl()))).toEqual({ status: 403, body: { message: 'Forbidden' } });
    expect(await refusedWithoutInvoking(() => fetch(exportUrl(), { headers: { authorization: 'Bearer some-jwt' } }))).toEqual({ status: 403, body: { message: 'Forbidden' } });
  });

  it('refuses a wrong secret and an unknown key with AWS’s messages', async () => {
    const wrong = await refusedWithoutInvoking(() => signedFetch(exportUrl(), { credentials: { accessKeyId: 'local', secretAccessKey: 'not-local' } }));
    expect(wrong.status).toBe(403);
    expect(wrong.body.message).toMatch(/^The request signature we calculated does not match the signature you provided\. Check your AWS Secret Access Key and signing method\./);
    expect(wrong.body.message).toContain("should have been\n'GET\n/api/v1/users/u1/export\n");
    const unknown = await refusedWithoutInvoking(() => signedFetch(exportUrl(), { credentials: { accessKeyId: 'AKIAOTHER', secretAccessKey: 'x' } }));
    expect(unknown).toEqual({ status: 403, body: { message: 'The security token included in the request is invalid.' } });
  });

  it('refuses a signature more than five minutes old or ahead', async () => {
    const old = await refusedWithoutInvoking(() => signedFetch(exportUrl(), { signingDate: new Date(Date.now() - 10 * 60_000) }));
    expect(old.status).toBe(403);
    expect(old.body.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
    const ahead = await refusedWithoutInvoking(() => signedFetch(exportUrl(), { signingDate: new Date(Date.now() + 10 * 60_000) }));
    expect(ahead.body.message).toMatch(/^Signature not yet current: /);
  });

  it('refuses a request whose body, path or query differs from what was signed', async () => {
    const url = `${env.api}/v1/files/report?format=json`;
    const signed = await signedHeaders(url, { method: 'POST', body: '{"amount":1}', headers: { 'content-type': 'application/json' } });
    const send = (target: string, body: string) => () => fetch(target, { method: 'POST', headers: signed, body });
    // The signed request itself goes through; then each change is refused.
    const before = env.invocations('Publisher');
    expect((await fetch(url, { method: 'POST', headers: signed, body: '{"amount":1}' })).status).toBe(200);
    expect(env.invocations('Publisher')).toBe(before + 1);
    for (const [target, body] of [
      [url, '{"amount":1000}'],
      [url.replace('/report', '/other'), '{"amount":1}'],
      [url.replace('format=json', 'format=csv'), '{"amount":1}'],
    ] as const) {
      const refused = await refusedWithoutInvoking(send(target, body));
      expect(refused.status).toBe(403);
      expect(refused.body.message).toMatch(/^The request signature we calculated does not match/);
    }
  });

  it('accepts the same signed request twice, as AWS does (SigV4 has no nonce; the 5-minute window bounds replays)', async () => {
    const headers = await signedHeaders(exportUrl());
    const [first, second] = await Promise.all([fetch(exportUrl(), { headers }), fetch(exportUrl(), { headers })]);
    expect([first.status, second.status]).toEqual([200, 200]);
  });

  it('accepts a presigned URL until it expires', async () => {
    const url = await presignedUrl(`${exportUrl()}?format=json`, { expiresIn: 300 });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    const event = (await response.json()) as { queryStringParameters: Record<string, string> };
    expect(event.queryStringParameters.format).toBe('json');
    expect(event.queryStringParameters['X-Amz-Signature']).toMatch(/^[0-9a-f]{64}$/);
    const expired = await presignedUrl(exportUrl(), { expiresIn: 60, signingDate: new Date(Date.now() - 120_000) });
    const refused = await refusedWithoutInvoking(() => fetch(expired));
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/^Signature expired: /);
  });

  it('needs no signature on a route without authorization', async () => {
    const response = await fetch(`${env.api}/v1/open/ann`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { requestContext: object }).requestContext).not.toHaveProperty('authorizer');
  });

  it('checks a function’s own calls against its role: execute-api:Invoke on the route’s ARN', async () => {
    // The publisher's role may invoke GET /v1/users/*/export; the outsider's may not.
    expect((await signedFetch(exportUrl(), { credentials: env.functionCredentials('Publisher') })).status).toBe(200);
    const refused = await refusedWithoutInvoking(() => signedFetch(exportUrl(), { credentials: env.functionCredentials('Outsider') }));
    const api = env.cloud.httpApi!;
    const resource = `arn:aws:execute-api:us-east-1:123456789012:${api.apiId}/$default/GET/v1/users/u1/export`;
    expect(refused).toEqual({
      status: 403,
      body: { message: expect.stringMatching(new RegExp(`^User: arn:aws:sts::123456789012:assumed-role/[^/]+/${env.functionName('Outsider')} is not authorized to perform: execute-api:Invoke on resource: ${resource.replace(/[$]/g, '\\$')}$`)) },
    });
    expect(env.cloud.iam!.denials.some((denial) => denial.request.action === 'execute-api:Invoke' && denial.request.resource === resource)).toBe(true);
    // The publisher's grant covers the export route only.
    const other = await signedFetch(`${env.api}/v1/files/x`, { credentials: env.functionCredentials('Publisher') });
    expect(other.status).toBe(403);
  });

  it('writes one access-log line per request, in the stage’s format, refusals included', async () => {
    const before = env.cloud.httpApi!.accessLogs.length;
    const ok = await signedFetch(exportUrl());
    await fetch(exportUrl());
    const lines = env.cloud.httpApi!.accessLogs.slice(before).map((line) => JSON.parse(line) as Record<string, string>);
    expect(lines).toEqual([
      {
        requestId: ok.headers.get('apigw-requestid'),
        routeKey: 'GET /v1/users/{id}/export',
        status: '200',
        method: 'GET',
        path: '/v1/users/u1/export',
        caller: expect.stringMatching(/^AIDA/),
        ip: '127.0.0.1',
        error: '-',
        unknown: '-',
      },
      expect.objectContaining({ routeKey: 'GET /v1/users/{id}/export', status: '403', caller: '-', error: 'Forbidden' }),
    ]);
  });
});
