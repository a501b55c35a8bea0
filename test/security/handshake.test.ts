import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { startTestCloud } from '../support/test-cloud.js';
import { HandshakeRefused, TestClient } from '../support/ws-client.js';

/**
 * Every bad token is refused at the handshake (`$connect`) with 401, through a real WebSocket, on
 * top of foundation.test.ts (missing, malformed, tampered, expired) and token-verifier.test.ts
 * (the verifier alone). The test cloud keeps its secrets in a temporary data dir, so the test can
 * sign tokens with the stack's real key and change one claim at a time.
 */
describe('handshake: hostile tokens are refused with 401', () => {
  let cloud: LocalCloud;
  let dataDir: string;
  let key: Uint8Array;
  const issuer = 'serverless-im';
  const audience = 'serverless-im';

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'im-handshake-'));
    cloud = await startTestCloud({ dataDir });
    const secrets = JSON.parse(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as Record<string, string>;
    const values = Object.values(secrets);
    expect(values.length).toBeGreaterThan(0);
    // The signing secret is the one that verifies a dev token.
    key = new TextEncoder().encode(values[0]!);
    const probe = await sign({}, (jwt) => jwt);
    const client = await TestClient.connect(cloud.url, { token: probe });
    await client.close();
  });
  afterAll(async () => {
    await cloud?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const now = () => Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>, build: (jwt: SignJWT) => SignJWT, subject = 'alice') =>
    build(new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(subject).setIssuer(issuer).setAudience(audience).setIssuedAt().setExpirationTime('1h')).sign(key);

  const refused = async (token: string, device?: string) => {
    const attempt = TestClient.connect(cloud.url, device ? { token, device } : { token });
    await expect(attempt).rejects.toEqual(new HandshakeRefused(401));
  };

  it.each([
    ['expired', () => sign({}, (jwt) => jwt.setExpirationTime(now() - 60))],
    ['not yet valid (nbf in 10 minutes)', () => sign({}, (jwt) => jwt.setNotBefore(now() + 600))],
    ['signed with another key', () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuer(issuer).setAudience(audience).setExpirationTime('1h').sign(new TextEncoder().encode('x'.repeat(40)))],
    ['alg none', async () => new UnsecuredJWT({}).setSubject('alice').setIssuer(issuer).setAudience(audience).setExpirationTime('1h').encode()],
    ['alg none with the real signature kept', async () => {
      const real = await sign({}, (jwt) => jwt);
      const [, payload, signature] = real.split('.');
      return `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.${signature}`;
    }],
    ['HS512 with the same secret (algorithm switch)', () => new SignJWT({}).setProtectedHeader({ alg: 'HS512' }).setSubject('alice').setIssuer(issuer).setAudience(audience).setExpirationTime('1h').sign(key)],
    ['wrong issuer', () => sign({}, (jwt) => jwt.setIssuer('someone-else'))],
    ['wrong audience', () => sign({}, (jwt) => jwt.setAudience('another-app'))],
    ['without expiry', () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuer(issuer).setAudience(audience).sign(key)],
    ['without subject', () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer(issuer).setAudience(audience).setExpirationTime('1h').sign(key)],
    ['with a subject that is not a user id (path, separators)', () => sign({}, (jwt) => jwt, '../admin#:/')],
    ['with a payload swapped in from another token', async () => {
      const mine = await sign({}, (jwt) => jwt, 'mallory');
      const theirs = await sign({}, (jwt) => jwt, 'alice');
      const [header, , signature] = mine.split('.');
      return `${header}.${theirs.split('.')[1]}.${signature}`;
    }],
    ['empty', async () => ''],
    ['huge', async () => 'a'.repeat(6_000)],
  ])('refuses a token %s', async (_name, makeToken) => {
    await refused(await makeToken());
  });

  it('binds a token with a device claim to that device: another ?device= is refused', async () => {
    const bound = await cloud.devToken('alice', { deviceId: 'phone' });
    const ok = await TestClient.connect(cloud.url, { token: bound, device: 'phone' });
    expect((await ok.request('ping')).ok).toBe(true);
    await ok.close();
    await refused(bound, 'laptop');
    await refused(bound, 'phone2');
    // Without ?device=, the connection is the token's own device (authorizer: device ?? claim).
    const implicit = await TestClient.connect(cloud.url, { token: bound });
    expect((await implicit.request('ping')).ok).toBe(true);
    await implicit.close();
    // Someone else's device-bound token is no key to another device of theirs either.
    const bobs = await cloud.devToken('bob', { deviceId: 'tablet' });
    await refused(bobs, 'phone');
  });

  it('refuses a bad ?device= value even with a good token', async () => {
    const token = await cloud.devToken('alice');
    for (const device of ['../x', 'a#b', 'a:b', 'a/b', 'x'.repeat(65), 'é']) await refused(token, device);
  });

  it('stores no connection for a refused handshake', async () => {
    const before = cloud.gateway.connectionIds().length;
    await refused('not-a-jwt');
    await refused(await sign({}, (jwt) => jwt.setAudience('nope')));
    expect(cloud.gateway.connectionIds().length).toBe(before);
  });
});
