import { USER_ID_PATTERN } from '@serverless-im/protocol';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ServiceError } from '../errors/service-error.js';

/** The token does not let its bearer connect; the authorizer answers 401. */
export class InvalidTokenError extends ServiceError<'INVALID_TOKEN'> {
  override readonly code = 'INVALID_TOKEN';

  constructor(reason: string, options: { cause?: unknown } = {}) {
    super(reason, options);
  }
}

export interface VerifiedToken {
  userId: string;
  /** When the token names a device (`device` claim), only that device may use it. */
  deviceId?: string;
  /** `exp`, epoch seconds: the connection is closed once it passes (connections/token-expiry.ts). */
  expiresAt: number;
  /** `iat`, epoch seconds, when the token has one. */
  issuedAt?: number;
}

/** The lifetime claims of a verified payload. */
export function lifetimeOf(payload: { exp?: unknown; iat?: unknown }): Pick<VerifiedToken, 'expiresAt' | 'issuedAt'> {
  const expiresAt = Number(payload.exp);
  return typeof payload.iat === 'number' && Number.isFinite(payload.iat) ? { expiresAt, issuedAt: payload.iat } : { expiresAt };
}

export type TokenVerifier = (token: string) => Promise<VerifiedToken>;

export type VerificationKey =
  | { kind: 'hs256'; secret: Uint8Array }
  | { kind: 'jwks'; url: string };

export interface TokenVerifierOptions {
  key: VerificationKey;
  issuer: string;
  audience: string;
}

/**
 * Verifies signature, issuer, audience, expiry and not-before. The algorithm list is fixed per key
 * kind, so `alg: none` or an HS256 token signed with a public RSA key never passes.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const { key } = options;
  const algorithms = key.kind === 'hs256' ? ['HS256'] : ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'PS256'];
  const keyOrResolver: Uint8Array | JWTVerifyGetKey =
    key.kind === 'hs256' ? key.secret : createRemoteJWKSet(new URL(key.url));
  return async (token) => {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keyOrResolver as Uint8Array, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms,
        clockTolerance: 5,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      throw new InvalidTokenError((error as Error).message, { cause: error });
    }
    const userId = payload.sub;
    if (typeof userId !== 'string' || !USER_ID_PATTERN.test(userId)) {
      throw new InvalidTokenError('sub is not a valid user id');
    }
    const device = payload.device;
    const lifetime = lifetimeOf(payload);
    return typeof device === 'string' ? { userId, deviceId: device, ...lifetime } : { userId, ...lifetime };
  };
}
