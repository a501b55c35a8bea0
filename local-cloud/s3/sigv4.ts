import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { accessDenied, S3Error } from './errors.js';

/**
 * Signature Version 4 as S3 checks it, for both ways a request can carry it: the
 * `Authorization` header (what the SDK sends) and the query string of a presigned URL
 * (`X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`,
 * `X-Amz-Signature`). The signature is recomputed with the secret of the access key, so a URL
 * whose path, query, signed headers (`content-type`, `content-length`, ...) or expiry was
 * changed fails here, with S3's error.
 */

export const ALGORITHM = 'AWS4-HMAC-SHA256';
/** Longest validity of a presigned URL: seven days. */
export const MAX_PRESIGNED_EXPIRY_SECONDS = 604_800;
/** Largest clock difference S3 accepts for header-signed requests: 15 minutes. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface RequestToVerify {
  method: string;
  /** The path as sent, still percent-encoded (S3 signs it as is). */
  rawPath: string;
  /** The query string as sent, without `?`. */
  rawQuery: string;
  headers: IncomingHttpHeaders;
}

export interface SignatureContext {
  /** The secret of an access key, or undefined for a key S3 does not know. */
  secretOf(accessKeyId: string): string | undefined;
  /** The region the buckets live in: a request signed for another fails. */
  region: string;
  now(): Date;
}

export interface VerifiedSignature {
  accessKeyId: string;
  via: 'header' | 'query';
  signedHeaders: string[];
  /** What the canonical request says about the body: a hex SHA-256, `UNSIGNED-PAYLOAD` or a `STREAMING-...` mode. */
  payloadHash: string;
  /** The request's signing time. */
  date: Date;
}

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

/** RFC 3986 encoding, as SigV4 wants it: everything but `A-Za-z0-9-._~` is percent-encoded. */
export const uriEncode = (text: string): string =>
  encodeURIComponent(text).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);

const safeDecode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/** The query parameters as sent, decoded, in order (repeated names kept). */
export function queryParameters(rawQuery: string): [string, string][] {
  if (rawQuery === '') return [];
  return rawQuery.split('&').map((pair) => {
    const equals = pair.indexOf('=');
    return equals < 0 ? [safeDecode(pair), ''] : [safeDecode(pair.slice(0, equals)), safeDecode(pair.slice(equals + 1))];
  });
}

function canonicalQuery(parameters: [string, string][]): string {
  return parameters
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

const headerValue = (headers: IncomingHttpHeaders, name: string): string => {
  const value = headers[name];
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return joined.trim().replace(/\s+/g, ' ');
};

/** `yyyyMMddTHHmmssZ` to a Date; undefined when malformed. */
export function parseAmzDate(text: string | undefined): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? '');
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}

const isoSeconds = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

interface ParsedAuthorization {
  via: 'header' | 'query';
  accessKeyId: string;
  scope: { date: string; region: string; service: string; terminator: string };
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  date: Date;
  expiresSeconds?: number;
  payloadHash: string;
  /** The query parameters that are part of the canonical request (all but the signature). */
  signedQuery: [string, string][];
}

function malformed(via: 'header' | 'query', message: string, details: Record<string, string> = {}): S3Error {
  return via === 'header'
    ? new S3Error(400, 'AuthorizationHeaderMalformed', `The authorization header is malformed; ${message}`, details)
    : new S3Error(400, 'AuthorizationQueryParametersError', message, details);
}

function parseCredential(via: 'header' | 'query', credential: string): { accessKeyId: string; scope: ParsedAuthorization['scope'] } {
  const parts = credential.split('/');
  if (parts.length !== 5) {
    throw via === 'header'
      ? malformed(via, 'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".')
      : malformed(via, 'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".');
  }
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];
  return { accessKeyId, scope: { date, region, service, terminator } };
}

function parseHeaderAuthorization(request: RequestToVerify, authorization: string): ParsedAuthorization {
  if (!authorization.startsWith(`${ALGORITHM} `)) {
    if (authorization.startsWith('AWS ')) throw new S3Error(400, 'InvalidRequest', 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');
    throw invalidAuthorization(authorization);
  }
  const components = new Map<string, string>();
  for (const part of authorization.slice(ALGORITHM.length + 1).split(',')) {
    const equals = part.indexOf('=');
    if (equals > 0) components.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
  }
  const credential = components.get('Credential');
  const signedHeaders = components.get('SignedHeaders');
  const signature = components.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    throw malformed('header', 'the authorization header requires three components: Credential, SignedHeaders, and Signature.');
  }
  const amzDate = headerValue(request.headers, 'x-amz-date');
  const date = parseAmzDate(amzDate) ?? (request.headers.date ? new Date(request.headers.date) : undefined);
  if (!date || Number.isNaN(date.getTime())) {
    throw new S3Error(403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  }
  const payloadHash = headerValue(request.headers, 'x-amz-content-sha256');
  if (payloadHash === '') throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  if (!/^(UNSIGNED-PAYLOAD|STREAMING-[A-Z0-9-]+|[0-9a-f]{64})$/.test(payloadHash)) {
    throw new S3Error(400, 'InvalidArgument', 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value.', {
      ArgumentName: 'x-amz-content-sha256',
      ArgumentValue: payloadHash,
    });
  }
  return {
    via: 'header',
    ...parseCredential('header', credential),
    signedHeaders: signedHeaders.split(';'),
    signature,
    amzDate: amzDate || (request.headers.date ?? ''),
    date,
    payloadHash,
    signedQuery: queryParameters(request.rawQuery),
  };
}

const invalidAuthorization = (value: string): S3Error =>
  new S3Error(400, 'InvalidArgument', 'Unsupported Authorization Type', { ArgumentName: 'Authorization', ArgumentValue: value });

function parseQueryAuthorization(parameters: [string, string][]): ParsedAuthorization {
  const get = (name: string): string | undefined => parameters.find(([key]) => key === name)?.[1];
  if (get('X-Amz-Algorithm') !== ALGORITHM) {
    throw malformed('query', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  }
  const credential = get('X-Amz-Credential');
  const amzDate = get('X-Amz-Date');
  const expires = get('X-Amz-Expires');
  const signedHeaders = get('X-Amz-SignedHeaders');
  const signature = get('X-Amz-Signature');
  if (credential === undefined || amzDate === undefined || expires === undefined || signedHeaders === undefined || signature === undefined) {
    throw malformed(
      'query',
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  const date = parseAmzDate(amzDate);
  if (!date) throw malformed('query', "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  const expiresSeconds = Number(expires);
  if (!/^\d+$/.test(expires)) throw malformed('query', 'X-Amz-Expires should be a number');
  if (expiresSeconds > MAX_PRESIGNED_EXPIRY_SECONDS) throw malformed('query', 'X-Amz-Expires must be less than a week (in seconds) that is 604800');
  return {
    via: 'query',
    ...parseCredential('query', credential),
    signedHeaders: signedHeaders.split(';'),
    signature,
    amzDate,
    date,
    expiresSeconds,
    payloadHash: get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD',
    signedQuery: parameters.filter(([key]) => key !== 'X-Amz-Signature'),
  };
}

/** The canonical request of SigV4 for S3 (the path is not encoded a second time). */
export function canonicalRequest(request: RequestToVerify, signedQuery: [string, string][], signedHeaders: string[], payloadHash: string): string {
  return [
    request.method,
    request.rawPath === '' ? '/' : request.rawPath,
    canonicalQuery(signedQuery),
    signedHeaders.map((name) => `${name}:${headerValue(request.headers, name)}\n`).join(''),
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

/**
 * Verifies the request's signature. Returns undefined for an anonymous request (neither an
 * `Authorization` header nor `X-Amz-Algorithm`), throws S3's error for a bad one.
 */
export function verifySignature(request: RequestToVerify, context: SignatureContext): VerifiedSignature | undefined {
  const parameters = queryParameters(request.rawQuery);
  const authorization = request.headers.authorization;
  const presigned = parameters.some(([key]) => key === 'X-Amz-Algorithm' || key === 'X-Amz-Credential');
  if (authorization !== undefined && presigned) {
    throw new S3Error(400, 'InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified', {
      ArgumentName: 'Authorization',
      ArgumentValue: authorization,
    });
  }
  if (authorization === undefined && !presigned) return undefined;
  const parsed = authorization !== undefined ? parseHeaderAuthorization(request, authorization) : parseQueryAuthorization(parameters);

  const { scope } = parsed;
  if (scope.terminator !== 'aws4_request') throw malformed(parsed.via, `incorrect terminal "${scope.terminator}". This endpoint uses "aws4_request".`);
  if (scope.service !== 's3') throw malformed(parsed.via, `incorrect service "${scope.service}". This endpoint belongs to "s3".`);
  if (scope.region !== context.region) {
    throw parsed.via === 'header'
      ? malformed('header', `the region '${scope.region}' is wrong; expecting '${context.region}'`, { Region: context.region })
      : malformed('query', `Error parsing the X-Amz-Credential parameter; the region '${scope.region}' is wrong; expecting '${context.region}'`, { Region: context.region });
  }
  if (scope.date !== parsed.amzDate.slice(0, 8) && parsed.via === 'query') {
    throw malformed('query', `Invalid credential date "${scope.date}". This date is not the same as X-Amz-Date: "${parsed.amzDate.slice(0, 8)}".`);
  }
  const secret = context.secretOf(parsed.accessKeyId);
  if (secret === undefined) {
    throw new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: parsed.accessKeyId });
  }

  const now = context.now();
  if (parsed.via === 'header') {
    if (Math.abs(now.getTime() - parsed.date.getTime()) > MAX_CLOCK_SKEW_MS) {
      throw new S3Error(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
        RequestTime: parsed.amzDate,
        ServerTime: isoSeconds(now),
        MaxAllowedSkewMilliseconds: MAX_CLOCK_SKEW_MS,
      });
    }
  } else {
    const expiresAt = new Date(parsed.date.getTime() + parsed.expiresSeconds! * 1000);
    if (now.getTime() > expiresAt.getTime()) {
      throw accessDenied('Request has expired', { 'X-Amz-Expires': String(parsed.expiresSeconds), Expires: isoSeconds(expiresAt), ServerTime: isoSeconds(now) });
    }
    if (parsed.date.getTime() - now.getTime() > MAX_CLOCK_SKEW_MS) {
      throw accessDenied('Request is not valid yet', { 'X-Amz-Date': parsed.amzDate, ServerTime: isoSeconds(now) });
    }
  }

  const unsigned = Object.keys(request.headers).filter((name) => name.startsWith('x-amz-') && !parsed.signedHeaders.includes(name));
  if (unsigned.length > 0) throw accessDenied('There were headers present in the request which were not signed', { HeadersNotSigned: unsigned.join(', ') });

  const canonical = canonicalRequest(request, parsed.signedQuery, parsed.signedHeaders, parsed.payloadHash);
  const credentialScope = `${scope.date}/${scope.region}/${scope.service}/${scope.terminator}`;
  const stringToSign = [ALGORITHM, parsed.amzDate, credentialScope, sha256Hex(canonical)].join('\n');
  const expected = hmac(signingKey(secret, scope.date, scope.region, scope.service), stringToSign).toString('hex');
  if (!sameText(expected, parsed.signature)) {
    throw new S3Error(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
      AWSAccessKeyId: parsed.accessKeyId,
      StringToSign: stringToSign,
      SignatureProvided: parsed.signature,
      StringToSignBytes: hexBytes(stringToSign),
      CanonicalRequest: canonical,
      CanonicalRequestBytes: hexBytes(canonical),
    });
  }
  return { accessKeyId: parsed.accessKeyId, via: parsed.via, signedHeaders: parsed.signedHeaders, payloadHash: parsed.payloadHash, date: parsed.date };
}

export function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const hexBytes = (text: string): string =>
  Buffer.from(text, 'utf8')
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');

/** Checks a body against the SHA-256 its signature names (S3's `XAmzContentSHA256Mismatch`). */
export function checkPayloadHash(verified: VerifiedSignature | undefined, body: Buffer): void {
  if (!verified || !/^[0-9a-f]{64}$/.test(verified.payloadHash)) return;
  const computed = sha256Hex(body);
  if (computed !== verified.payloadHash) {
    throw new S3Error(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", {
      ClientComputedContentSHA256: verified.payloadHash,
      S3ComputedContentSHA256: computed,
    });
  }
}

/** The HMAC of a POST policy (its base64 text) with the signing key of its credential. */
export function policySignature(secret: string, scope: { date: string; region: string; service: string }, base64Policy: string): string {
  return hmac(signingKey(secret, scope.date, scope.region, scope.service), base64Policy).toString('hex');
}
