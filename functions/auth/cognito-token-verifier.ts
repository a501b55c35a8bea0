import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { FetchError } from 'aws-jwt-verify/error';
import type { Jwks } from 'aws-jwt-verify/jwk';
import { USER_ID_PATTERN } from '@serverless-im/protocol';
import { InvalidTokenError, lifetimeOf, type TokenVerifier } from './token-verifier.js';

export interface CognitoTokenVerifierOptions {
  /** e.g. `eu-west-1_AbC123`: the issuer and its JWKS URL follow from it. */
  userPoolId: string;
  /** The app client whose tokens are accepted: `client_id` of an access token, `aud` of an ID token. */
  clientId: string;
  /** Which token clients send; the other kind is refused. */
  tokenUse: 'access' | 'id';
  /** The pool's key set, when it must not be fetched (tests, or a pre-loaded copy). */
  jwks?: Jwks;
}

/**
 * Verifies Cognito user pool tokens with `aws-jwt-verify`: signature against the pool's JWKS,
 * issuer, `token_use`, the app client (`client_id` in access tokens, which carry no `aud`),
 * expiry with 5 s of grace. The user is `sub`; a `device` claim (added by a pre-token-generation
 * trigger, if any) binds the token to that device, as in the other modes.
 */
export function createCognitoTokenVerifier(options: CognitoTokenVerifierOptions): TokenVerifier {
  const verifier = CognitoJwtVerifier.create({
    userPoolId: options.userPoolId,
    clientId: options.clientId,
    tokenUse: options.tokenUse,
    graceSeconds: 5,
    // Cognito always sets exp; a token without one would never expire, so it is refused outright.
    customJwtCheck: ({ payload }) => {
      if (payload.exp === undefined) throw new InvalidTokenError('token has no exp');
      if (typeof payload.sub !== 'string' || !USER_ID_PATTERN.test(payload.sub)) throw new InvalidTokenError('sub is not a valid user id');
    },
  });
  if (options.jwks) verifier.cacheJwks(options.jwks);
  return async (token) => {
    let payload;
    try {
      payload = await verifier.verify(token);
    } catch (error) {
      // An unreachable JWKS says nothing about the token: let the handshake fail as an error (500).
      if (error instanceof FetchError || error instanceof InvalidTokenError) throw error;
      throw new InvalidTokenError((error as Error).message);
    }
    const userId = payload.sub;
    const device = payload.device;
    const lifetime = lifetimeOf(payload);
    return typeof device === 'string' ? { userId, deviceId: device, ...lifetime } : { userId, ...lifetime };
  };
}
