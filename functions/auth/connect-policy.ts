/**
 * What `$connect`'s authorizer checks besides the token's signature: the page's origin (browsers
 * only) and the token's lifetime. Plain functions of the deployment settings, unit-tested.
 */

/**
 * ALLOWED_ORIGINS: a comma-separated list of origins (`https://chat.example.com`, with at most one
 * `*` each, e.g. `http://localhost:*`). Unset or empty: every origin is allowed.
 */
export function originsFromEnv(text = process.env.ALLOWED_ORIGINS): RegExp[] | undefined {
  const entries = (text ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  if (entries.length === 0) return undefined;
  return entries.map((entry) => new RegExp(`^${entry.toLowerCase().replace(/[.+?^${}()|[\]\\/]/g, '\\$&').replace(/\*/g, '[^/]*')}$`));
}

/**
 * Whether a handshake's `Origin` header may open a connection. A browser always sends `Origin`
 * on a WebSocket handshake and a page cannot change it, so a page on another site is refused.
 * A handshake without `Origin` comes from a non-browser client (a mobile app, a server), which
 * could send any Origin it liked anyway: it is allowed, and the token is what it must have.
 */
export function originAllowed(origin: string | undefined, allowed: readonly RegExp[] | undefined): boolean {
  if (allowed === undefined || origin === undefined) return true;
  const normalized = origin.trim().toLowerCase();
  return allowed.some((pattern) => pattern.test(normalized));
}

/** The `Origin` header of a REQUEST authorizer event (header names in any case). */
export function originOf(headers: Record<string, string | undefined> | null | undefined): string | undefined {
  if (!headers) return undefined;
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() === 'origin' && value !== undefined) return value;
  return undefined;
}

/** MAX_TOKEN_LIFETIME_SECONDS, the longest token lifetime accepted (default 24 hours). */
export const maxTokenLifetimeFromEnv = (text = process.env.MAX_TOKEN_LIFETIME_SECONDS): number => {
  const value = Number(text);
  return Number.isSafeInteger(value) && value > 0 ? value : 24 * 60 * 60;
};

/**
 * Why a verified token's lifetime is refused, or undefined when it is accepted: it may not be
 * valid for longer than `maxSeconds`, counted from its `iat` when it has one and from now in any
 * case (so a token without `iat`, or one claiming an `iat` in the future, gains nothing).
 */
export function lifetimeRefusal(token: { expiresAt: number; issuedAt?: number }, nowSeconds: number, maxSeconds: number): string | undefined {
  if (token.issuedAt !== undefined && token.expiresAt - token.issuedAt > maxSeconds) return `token lifetime (exp - iat) exceeds ${maxSeconds} s`;
  if (token.expiresAt - nowSeconds > maxSeconds) return `token expires more than ${maxSeconds} s from now`;
  return undefined;
}
