/**
 * What the SDK can tell about a token without verifying it: a browser never learns why a
 * handshake was refused, so after a connection attempt fails before opening, the SDK looks at
 * the token it just used. Only the shape and the `exp` claim are read; the signature is the
 * server's business.
 */
export type TokenVerdict = 'plausible' | 'expired' | 'malformed';

/** `malformed`: not a compact JWS (three base64url parts with a JSON object payload). `expired`: its `exp` is past by `nowMs`. */
export function inspectToken(token: unknown, nowMs: number): TokenVerdict {
  if (typeof token !== 'string') return 'malformed';
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[0] || !parts[1]) return 'malformed';
  const payload = decodeJsonSegment(parts[1]);
  if (payload === undefined || decodeJsonSegment(parts[0]) === undefined) return 'malformed';
  const exp = payload.exp;
  if (exp === undefined) return 'plausible';
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return 'malformed';
  return exp * 1000 <= nowMs ? 'expired' : 'plausible';
}

/** The token's `exp` in epoch milliseconds, when it is a JWT with a numeric `exp`. */
export function tokenExpiryMs(token: unknown): number | undefined {
  if (typeof token !== 'string') return undefined;
  const payload = token.split('.')[1];
  const claims = payload ? decodeJsonSegment(payload) : undefined;
  const exp = claims?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
}

function decodeJsonSegment(segment: string): Record<string, unknown> | undefined {
  const text = base64UrlToBinary(segment);
  if (text === undefined) return undefined;
  try {
    // A binary (Latin-1) string is enough: the claims read here are numbers, and bytes >= 0x80
    // only ever sit inside JSON strings, where they stay valid characters.
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** base64url (no padding) to a binary string; undefined when it is not base64url. Hand-written: React Native has no reliable `atob`. */
function base64UrlToBinary(segment: string): string | undefined {
  if (segment.length % 4 === 1) return undefined;
  let bits = 0;
  let buffer = 0;
  let out = '';
  for (let index = 0; index < segment.length; index++) {
    const value = ALPHABET.indexOf(segment.charAt(index));
    if (value < 0) return undefined;
    buffer = ((buffer << 6) | value) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((buffer >> bits) & 0xff);
    }
  }
  return out;
}
