import { describe, expect, it } from 'vitest';
import { type IncomingSignedRequest, SignatureVerifier } from '../../../local-cloud/http-api/sigv4-verifier.js';
import { LOCAL_BACKEND, presignedUrl, signedHeaders, type SigningOptions } from '../../support/signed-request.js';

const HOST = '127.0.0.1:3000';
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const secrets: Record<string, string> = { local: 'local', LOCALFN: 'fn-secret' };
const verifier = new SignatureVerifier({ region: 'us-east-1', service: 'execute-api', secretOf: (key) => secrets[key], now: () => NOW });

/** Signs `url` as a client would, then hands the verifier what the server receives. */
async function received(url: string, options: SigningOptions = {}, tamper: (request: IncomingSignedRequest) => void = () => {}): Promise<IncomingSignedRequest> {
  const headers = await signedHeaders(url, { signingDate: new Date(NOW), ...options });
  const target = new URL(url);
  const lower: Record<string, string> = { host: target.host };
  for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = value;
  const request: IncomingSignedRequest = {
    method: options.method ?? 'GET',
    path: target.pathname,
    rawQuery: target.search.slice(1),
    headers: lower,
    body: Buffer.from(options.body ?? ''),
  };
  tamper(request);
  return request;
}

const verify = async (...args: Parameters<typeof received>) => verifier.verify(await received(...args));

describe('SigV4 verification of requests to AWS_IAM routes', () => {
  it("accepts AWS's own test vector (get-vanilla of the Signature Version 4 test suite)", async () => {
    const suite = new SignatureVerifier({
      region: 'us-east-1',
      service: 'service',
      secretOf: (key) => (key === 'AKIDEXAMPLE' ? 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' : undefined),
      now: () => Date.UTC(2015, 7, 30, 12, 36, 0),
    });
    const request = (signature: string): IncomingSignedRequest => ({
      method: 'GET',
      path: '/',
      rawQuery: '',
      headers: {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`,
      },
      body: Buffer.alloc(0),
    });
    expect(await suite.verify(request('5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'))).toEqual({ ok: true, accessKeyId: 'AKIDEXAMPLE' });
    expect(await suite.verify(request('5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf30'))).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('accepts what @smithy/signature-v4 signs: path with escapes, repeated query parameters, a JSON body', async () => {
    const url = `http://${HOST}/api/v1/users/a%40b/export?tag=x&tag=y&q=hello+world&empty=`;
    const options = { method: 'POST', body: '{"members":["ann"]}', headers: { 'content-type': 'application/json' } };
    expect(await verify(url, options)).toEqual({ ok: true, accessKeyId: 'local' });
    // The query is canonicalized: the same parameters in another order carry the same signature.
    expect(await verify(url, options, (request) => (request.rawQuery = 'empty=&q=hello%20world&tag=x&tag=y'))).toEqual({ ok: true, accessKeyId: 'local' });
  });

  it('accepts the functions’ own keys, and reports a session token', async () => {
    const credentials = { accessKeyId: 'LOCALFN', secretAccessKey: 'fn-secret', sessionToken: 'token-1' };
    expect(await verify(`http://${HOST}/api/v1/x`, { credentials })).toEqual({ ok: true, accessKeyId: 'LOCALFN', sessionToken: 'token-1' });
  });

  it('reports an unsigned request as missing (API Gateway answers a plain Forbidden)', async () => {
    expect(await verifier.verify({ method: 'GET', path: '/api/v1/x', rawQuery: '', headers: { host: HOST }, body: Buffer.alloc(0) })).toEqual({ ok: false, reason: 'missing', message: 'Forbidden' });
    expect(await verifier.verify({ method: 'GET', path: '/api/v1/x', rawQuery: '', headers: { host: HOST, authorization: 'Bearer abc' }, body: Buffer.alloc(0) })).toMatchObject({ reason: 'missing' });
  });

  it('refuses a tampered body, path, query, signed header or method with the canonical request it expected', async () => {
    const url = `http://${HOST}/api/v1/messages?x=1`;
    const options = { method: 'POST', body: '{"body":"hi"}', headers: { 'content-type': 'application/json' } };
    const tamperings: ((request: IncomingSignedRequest) => void)[] = [
      (request) => (request.body = Buffer.from('{"body":"HI"}')),
      (request) => (request.path = '/api/v1/messages2'),
      (request) => (request.rawQuery = 'x=2'),
      (request) => (request.headers['content-type'] = 'text/plain'),
      (request) => (request.method = 'PUT'),
    ];
    for (const tamper of tamperings) {
      const check = await verify(url, options, tamper);
      expect(check).toMatchObject({ ok: false, reason: 'invalid' });
      if (!check.ok) expect(check.message).toMatch(/^The request signature we calculated does not match the signature you provided\..*\n\nThe Canonical String for this request should have been\n'/s);
    }
  });

  it('refuses a body whose X-Amz-Content-Sha256 was signed but does not match it', async () => {
    const check = await verify(`http://${HOST}/api/v1/messages`, { method: 'POST', body: 'a' }, (request) => {
      request.body = Buffer.from('b');
    });
    expect(check).toMatchObject({ ok: false, reason: 'invalid' });
    // The signed hash is of 'a'; the canonical request API Gateway shows ends with the hash of what it received.
    if (!check.ok) expect(check.message).toContain('3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d');
  });

  it('refuses a wrong secret, an unknown key, and credentials scoped to another region or service', async () => {
    const url = `http://${HOST}/api/v1/x`;
    expect(await verify(url, { credentials: { accessKeyId: 'local', secretAccessKey: 'wrong' } })).toMatchObject({ ok: false, message: expect.stringMatching(/^The request signature we calculated does not match/) });
    expect(await verify(url, { credentials: { accessKeyId: 'nobody', secretAccessKey: 'x' } })).toMatchObject({ ok: false, message: 'The security token included in the request is invalid.' });
    expect(await verify(url, { region: 'eu-west-1' })).toMatchObject({ ok: false, message: 'Credential should be scoped to a valid region. ' });
    const otherService = await received(url, {}, (request) => {
      request.headers.authorization = request.headers.authorization!.replace('/execute-api/', '/lambda/');
    });
    expect(await verifier.verify(otherService)).toMatchObject({ ok: false, message: "Credential should be scoped to correct service: 'execute-api'. " });
  });

  it('allows five minutes of clock skew either way, and not more', async () => {
    const url = `http://${HOST}/api/v1/x`;
    const at = (offsetMs: number) => verify(url, { signingDate: new Date(NOW + offsetMs) });
    expect(await at(-5 * 60_000 + 1000)).toMatchObject({ ok: true });
    expect(await at(5 * 60_000 - 1000)).toMatchObject({ ok: true });
    expect(await at(-5 * 60_000 - 1000)).toEqual({
      ok: false,
      reason: 'invalid',
      message: 'Signature expired: 20260115T115459Z is now earlier than 20260115T115500Z (20260115T120000Z - 5 min.)',
    });
    expect(await at(5 * 60_000 + 1000)).toEqual({
      ok: false,
      reason: 'invalid',
      message: 'Signature not yet current: 20260115T120501Z is still later than 20260115T120500Z (20260115T120000Z + 5 min.)',
    });
  });

  it('needs the host and X-Amz-Date headers signed, and the credential scope to be of that date', async () => {
    const url = `http://${HOST}/api/v1/x`;
    const noHost = await received(url, {}, (request) => {
      request.headers.authorization = request.headers.authorization!.replace('SignedHeaders=host;', 'SignedHeaders=');
    });
    expect(await verifier.verify(noHost)).toMatchObject({ ok: false, message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization." });
    const noDate = await received(url, {}, (request) => delete request.headers['x-amz-date']);
    expect(await verifier.verify(noDate)).toMatchObject({ ok: false, message: expect.stringContaining("requires existence of either a 'X-Amz-Date' or a 'Date' header") });
    const otherDay = await received(url, {}, (request) => (request.headers['x-amz-date'] = '20260114T120000Z'));
    expect(await verifier.verify(otherDay)).toMatchObject({ ok: false, message: expect.stringMatching(/^Date in Credential scope does not match YYYYMMDD/) });
  });

  describe('presigned URLs (query-string authentication)', () => {
    const asReceived = (url: string): IncomingSignedRequest => {
      const target = new URL(url);
      return { method: 'GET', path: target.pathname, rawQuery: target.search.slice(1), headers: { host: target.host }, body: Buffer.alloc(0) };
    };

    it('accepts a URL presigned by @smithy/signature-v4, until it expires', async () => {
      const url = await presignedUrl(`http://${HOST}/api/v1/users/u1/export?format=json`, { credentials: LOCAL_BACKEND, expiresIn: 60, signingDate: new Date(NOW - 30_000) });
      expect(await verifier.verify(asReceived(url))).toEqual({ ok: true, accessKeyId: 'local' });
      const stale = await presignedUrl(`http://${HOST}/api/v1/users/u1/export`, { expiresIn: 60, signingDate: new Date(NOW - 61_000) });
      expect(await verifier.verify(asReceived(stale))).toMatchObject({ ok: false, message: 'Signature expired: 20260115T115959Z is now earlier than 20260115T120000Z.' });
    });

    it('refuses a presigned URL whose parameters or path were changed', async () => {
      const url = await presignedUrl(`http://${HOST}/api/v1/users/u1/export?format=json`, { expiresIn: 60, signingDate: new Date(NOW) });
      expect(await verifier.verify(asReceived(url.replace('format=json', 'format=csv')))).toMatchObject({ ok: false, reason: 'invalid' });
      expect(await verifier.verify(asReceived(url.replace('/u1/', '/u2/')))).toMatchObject({ ok: false, reason: 'invalid' });
      expect(await verifier.verify(asReceived(url.replace('X-Amz-Expires=60', 'X-Amz-Expires=6000')))).toMatchObject({ ok: false, reason: 'invalid' });
      expect(await verifier.verify(asReceived(url.replace(/&X-Amz-Credential=[^&]+/, '')))).toMatchObject({ ok: false, message: expect.stringMatching(/^AWS query-string parameters must include/) });
    });
  });
});
