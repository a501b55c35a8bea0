import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, InvalidTokenError } from '../../../functions/auth/token-verifier.js';

const secret = new TextEncoder().encode('a-test-secret-of-enough-length-for-hs256-keys');
const issuer = 'serverless-im';
const audience = 'serverless-im';

const hs256 = (claims: Record<string, unknown> = {}, build: (jwt: SignJWT) => SignJWT = (jwt) => jwt) =>
  build(new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuer(issuer).setAudience(audience).setIssuedAt().setExpirationTime('1h')).sign(secret);

describe('token verification at $connect', () => {
  const verify = createTokenVerifier({ key: { kind: 'hs256', secret }, issuer, audience });

  it('accepts a valid token and returns its user (and device, when bound)', async () => {
    expect(await verify(await hs256())).toMatchObject({ userId: 'alice' });
    expect(await verify(await hs256({ device: 'phone' }))).toMatchObject({ userId: 'alice', deviceId: 'phone' });
  });

  it.each([
    ['expired', () => hs256({}, (jwt) => jwt.setExpirationTime(Math.floor(Date.now() / 1000) - 60))],
    ['not yet valid', () => hs256({}, (jwt) => jwt.setNotBefore(Math.floor(Date.now() / 1000) + 600))],
    ['signed with another key', () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuer(issuer).setAudience(audience).setExpirationTime('1h').sign(new TextEncoder().encode('another-secret-another-secret-another-secret'))],
    ['alg none', async () => new UnsecuredJWT({}).setSubject('alice').setIssuer(issuer).setAudience(audience).setExpirationTime('1h').encode()],
    ['wrong issuer', () => hs256({}, (jwt) => jwt.setIssuer('someone-else'))],
    ['wrong audience', () => hs256({}, (jwt) => jwt.setAudience('another-app'))],
    ['without expiry', () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuer(issuer).setAudience(audience).sign(secret)],
    ['with a user id the protocol does not allow', () => hs256({}, (jwt) => jwt.setSubject('not a user id'))],
    ['garbage', async () => 'not.a.jwt'],
  ])('refuses a token %s', async (_name, makeToken) => {
    await expect(verify(await makeToken())).rejects.toBeInstanceOf(InvalidTokenError);
  });

  describe('with an OIDC issuer', () => {
    let server: Server;
    let jwksUrl: string;
    let sign: (claims?: Record<string, unknown>) => Promise<string>;

    beforeAll(async () => {
      const { publicKey, privateKey } = await generateKeyPair('RS256');
      const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
      server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
      sign = (claims = {}) =>
        new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('bob').setIssuer('https://issuer.test').setAudience('app').setExpirationTime('1h').sign(privateKey);
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('verifies RS256 tokens against the JWKS and refuses HS256 ones', async () => {
      const oidc = createTokenVerifier({ key: { kind: 'jwks', url: jwksUrl }, issuer: 'https://issuer.test', audience: 'app' });
      expect(await oidc(await sign())).toMatchObject({ userId: 'bob' });
      const confused = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setSubject('bob').setIssuer('https://issuer.test').setAudience('app').setExpirationTime('1h').sign(secret);
      await expect(oidc(confused)).rejects.toBeInstanceOf(InvalidTokenError);
    });
  });
});
