import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCognitoTokenVerifier } from '../../../functions/auth/cognito-token-verifier.js';
import { InvalidTokenError } from '../../../functions/auth/token-verifier.js';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

const userPoolId = 'eu-west-1_AbC123xyz';
const issuer = `https://cognito-idp.eu-west-1.amazonaws.com/${userPoolId}`;
const clientId = '5d1uexampleclientid0000abcd';
const sub = '8f2e4b1c-93aa-4c1e-9a51-2b7f6c3d1e90';
const now = () => Math.floor(Date.now() / 1000);

type Signer = (claims: JWTPayload, key?: PrivateKey) => Promise<string>;

/** Claims shaped like the tokens a Cognito user pool issues (access tokens have no aud). */
const accessClaims = (overrides: JWTPayload = {}): JWTPayload => ({
  sub,
  iss: issuer,
  client_id: clientId,
  token_use: 'access',
  scope: 'aws.cognito.signin.user.admin',
  auth_time: now() - 60,
  iat: now() - 60,
  exp: now() + 3600,
  jti: 'c0ffee00-0000-4000-8000-000000000001',
  username: 'alice',
  ...overrides,
});
const idClaims = (overrides: JWTPayload = {}): JWTPayload => ({
  sub,
  iss: issuer,
  aud: clientId,
  token_use: 'id',
  'cognito:username': 'alice',
  auth_time: now() - 60,
  iat: now() - 60,
  exp: now() + 3600,
  ...overrides,
});

describe('Cognito token verification at $connect (aws-jwt-verify, JWKS supplied offline)', () => {
  let sign: Signer;
  let otherKey: PrivateKey;
  let jwks: { keys: Record<string, unknown>[] };

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    otherKey = (await generateKeyPair('RS256')).privateKey;
    jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'pool-key-1', alg: 'RS256', use: 'sig' }] };
    sign = (claims, key = privateKey) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'pool-key-1' }).sign(key);
  });

  const verifier = (tokenUse: 'access' | 'id' = 'access') =>
    createCognitoTokenVerifier({ userPoolId, clientId, tokenUse, jwks: jwks as never });

  it('accepts an access token of the configured app client, which carries no aud', async () => {
    expect(await verifier()(await sign(accessClaims()))).toMatchObject({ userId: sub });
  });

  it('binds the token to a device when it names one', async () => {
    expect(await verifier()(await sign(accessClaims({ device: 'phone' })))).toMatchObject({ userId: sub, deviceId: 'phone' });
  });

  it('accepts ID tokens (aud = app client) when configured for them', async () => {
    expect(await verifier('id')(await sign(idClaims()))).toMatchObject({ userId: sub });
  });

  it.each<[string, () => Promise<string>, ('access' | 'id')?]>([
    ['of another app client', () => sign(accessClaims({ client_id: 'someotherappclient000000' }))],
    ['that is an ID token when access tokens are required', () => sign(idClaims())],
    ['that is an access token when ID tokens are required', () => sign(accessClaims()), 'id'],
    ['that is an ID token of another app client', () => sign(idClaims({ aud: 'someotherappclient000000' })), 'id'],
    ['that expired', () => sign(accessClaims({ iat: now() - 7200, exp: now() - 60 }))],
    ['that is not valid yet', () => sign(accessClaims({ nbf: now() + 600 }))],
    ['without expiry', () => sign(accessClaims({ exp: undefined }))],
    ['of another user pool', () => sign(accessClaims({ iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other999' }))],
    ['without token_use', () => sign(accessClaims({ token_use: undefined }))],
    ['signed with another key under the pool key id', () => sign(accessClaims(), otherKey)],
    ['with a user id the protocol does not allow', () => sign(accessClaims({ sub: 'not a user id' }))],
    ['that is garbage', async () => 'not.a.jwt'],
  ])('refuses a token %s', async (_name, makeToken, tokenUse) => {
    await expect(verifier(tokenUse)(await makeToken())).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('accepts a token that expired within the 5 s of clock tolerance', async () => {
    expect(await verifier()(await sign(accessClaims({ exp: now() - 2 })))).toMatchObject({ userId: sub });
  });
});
