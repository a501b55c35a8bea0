import type { IncomingMessage, ServerResponse } from 'node:http';
import { USER_ID_PATTERN } from '@serverless-im/protocol';
import { SignJWT } from 'jose';

export interface DevTokenSigner {
  /** A JWT for `userId` that the stack's authorizer accepts, valid for `ttlSeconds` (default 24 h). */
  sign(userId: string, options?: { ttlSeconds?: number; deviceId?: string }): Promise<string>;
}

export interface Hs256Settings {
  secret: string;
  issuer: string;
  audience: string;
}

export function createDevTokenSigner(settings: Hs256Settings): DevTokenSigner {
  const key = new TextEncoder().encode(settings.secret);
  return {
    async sign(userId, options = {}) {
      const claims: Record<string, string> = options.deviceId ? { device: options.deviceId } : {};
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(userId)
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setIssuedAt()
        .setExpirationTime(`${options.ttlSeconds ?? 24 * 60 * 60}s`)
        .sign(key);
    },
  };
}

/** The longest `ttl` /dev/token signs (30 days: maxTokenLifetimeSeconds's upper bound). */
export const MAX_DEV_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;

/**
 * `GET /dev/token?user=ID[&ttl=SECONDS][&device=ID]` (local cloud only; a deployed stack has no
 * such endpoint): lets the web chat and tests sign in as anyone. `ttl` (1 to 30 days in seconds,
 * default 24 hours) mints short-lived tokens, to see a connection closed when its token expires.
 */
export function devTokenEndpoint(signer: DevTokenSigner) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/dev/token') return false;
    const user = url.searchParams.get('user') ?? '';
    const ttlText = url.searchParams.get('ttl');
    const ttl = ttlText === null ? undefined : /^\d{1,8}$/.test(ttlText) ? Number(ttlText) : Number.NaN;
    const headers = { 'content-type': 'application/json', 'cache-control': 'no-store' };
    if (request.method !== 'GET') {
      response.writeHead(405, headers).end(JSON.stringify({ error: 'use GET' }));
    } else if (!USER_ID_PATTERN.test(user)) {
      response.writeHead(400, headers).end(JSON.stringify({ error: 'user must be 1-64 chars of [A-Za-z0-9_.@-]' }));
    } else if (ttl !== undefined && !(ttl >= 1 && ttl <= MAX_DEV_TOKEN_TTL_SECONDS)) {
      response.writeHead(400, headers).end(JSON.stringify({ error: `ttl must be a whole number of seconds from 1 to ${MAX_DEV_TOKEN_TTL_SECONDS}` }));
    } else {
      response.writeHead(200, headers).end(JSON.stringify({ token: await signer.sign(user, ttl === undefined ? {} : { ttlSeconds: ttl }) }));
    }
    return true;
  };
}
