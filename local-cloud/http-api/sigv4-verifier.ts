import { timingSafeEqual } from 'node:crypto';
import {
  ALGORITHM_IDENTIFIER,
  AMZ_DATE_HEADER,
  createScope,
  getCanonicalHeaders,
  prepareRequest,
  SHA256_HEADER,
  SignatureV4,
} from '@smithy/signature-v4';
import { parseQuery, type Query } from './query-string.js';
import { NodeSha256, sha256Hex } from './sha256.js';

/**
 * Verifies AWS Signature Version 4 on a request to an `AWS_IAM` route, the way API Gateway does:
 * it computes the signature the caller should have sent, with `@smithy/signature-v4` (the signer
 * of the AWS SDK for JavaScript), from the request as received, and compares. Both forms are
 * accepted: the `Authorization` header (with `X-Amz-Date`), and query-string presigning
 * (`X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`,
 * `X-Amz-Signature`). The payload hash is always the hash of the body received: an
 * `X-Amz-Content-Sha256` that does not match it fails the check, as does a tampered body.
 */

export interface IncomingSignedRequest {
  method: string;
  /** The path as sent on the wire, still percent-encoded (`/api/v1/users/a%40b`). */
  path: string;
  /** The query string as sent, without `?`. */
  rawQuery: string;
  /** Lower-case names; a repeated header's values joined with `,`. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface SignatureVerifierOptions {
  /** The region callers must scope their credentials to (the stack's). */
  region: string;
  /** `execute-api`. */
  service: string;
  /** The secret of a known access key id, undefined for an unknown one. */
  secretOf(accessKeyId: string): string | undefined;
  /** Clock, for tests; default `Date.now`. */
  now?: () => number;
}

export type SignatureCheck =
  | { ok: true; accessKeyId: string; sessionToken?: string }
  /** `missing`: no signature at all (API Gateway's plain `Forbidden`); `invalid`: AWS's message says why. */
  | { ok: false; reason: 'missing' | 'invalid'; message: string };

/** API Gateway allows 5 minutes between `X-Amz-Date` and its clock, either way. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
const MAX_PRESIGNED_SECONDS = 7 * 24 * 60 * 60;

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
export const INVALID_TOKEN = 'The security token included in the request is invalid.';

const PRESIGN_PARAMETERS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'] as const;

const basicIso = (epochMs: number): string => new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');

function parseAmzDate(value: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const epoch = Date.UTC(y, mo - 1, d, h, mi, s);
  return basicIso(epoch) === value ? epoch : undefined;
}

const sameSignature = (expected: string, given: string): boolean => {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
};

/** The signer, plus the canonical request and string to sign it derived, for API Gateway's mismatch message. */
class ExplainingSigner extends SignatureV4 {
  async explain(request: Parameters<SignatureV4['presign']>[0], signingDate: number, signedHeaders: Set<string>, region: string, service: string): Promise<string> {
    const prepared = prepareRequest(request);
    const longDate = basicIso(signingDate);
    prepared.headers[AMZ_DATE_HEADER] = longDate;
    const canonicalHeaders = getCanonicalHeaders(prepared, undefined, signedHeaders);
    // The payload hash is the body's, whatever X-Amz-Content-Sha256 claims.
    const canonical = this.createCanonicalRequest(prepared, canonicalHeaders, sha256Hex(prepared.body as Buffer));
    const stringToSign = await this.createStringToSign(longDate, createScope(longDate.slice(0, 8), region, service), canonical, ALGORITHM_IDENTIFIER);
    return `${SIGNATURE_MISMATCH}\n\nThe Canonical String for this request should have been\n'${canonical}'\n\nThe String-to-Sign should have been\n'${stringToSign}'\n`;
  }
}

interface Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

export class SignatureVerifier {
  private readonly now: () => number;

  constructor(private readonly options: SignatureVerifierOptions) {
    this.now = options.now ?? Date.now;
  }

  async verify(request: IncomingSignedRequest): Promise<SignatureCheck> {
    const query = parseQuery(request.rawQuery);
    const authorization = request.headers.authorization;
    if (authorization !== undefined) return this.verifyHeader(request, query, authorization);
    if (query['X-Amz-Signature'] !== undefined || query['X-Amz-Algorithm'] !== undefined) return this.verifyPresigned(request, query);
    return { ok: false, reason: 'missing', message: 'Forbidden' };
  }

  private async verifyHeader(request: IncomingSignedRequest, query: Query, authorization: string): Promise<SignatureCheck> {
    const invalid = (message: string): SignatureCheck => ({ ok: false, reason: 'invalid', message });
    if (!authorization.startsWith(`${ALGORITHM_IDENTIFIER} `)) return { ok: false, reason: 'missing', message: 'Forbidden' };
    const parts = new Map<string, string>();
    for (const part of authorization.slice(ALGORITHM_IDENTIFIER.length + 1).split(',')) {
      const equals = part.indexOf('=');
      if (equals > 0) parts.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
    }
    const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((name) => !parts.get(name));
    const amzDate = request.headers[AMZ_DATE_HEADER];
    const problems = missing.map((name) => `Authorization header requires '${name}' parameter.`);
    if (amzDate === undefined) problems.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    if (problems.length > 0) return invalid(`${problems.join(' ')} Authorization=${authorization}`);

    const credential = this.parseCredential(parts.get('Credential')!);
    if (typeof credential === 'string') return invalid(credential);
    const signedHeaders = new Set(parts.get('SignedHeaders')!.split(';'));
    const date = this.checkDate(amzDate!, credential, 0);
    if (typeof date === 'string') return invalid(date);
    if (!signedHeaders.has('host')) return invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    const secret = this.options.secretOf(credential.accessKeyId);
    if (secret === undefined) return invalid(INVALID_TOKEN);

    const headers: Record<string, string> = {};
    for (const name of signedHeaders) {
      const value = request.headers[name];
      if (value !== undefined && name !== AMZ_DATE_HEADER) headers[name] = value;
    }
    const unsigned = this.unsignedRequest(request, query, headers);
    const signer = this.signer(credential, secret);
    const bodyHashMatches = headers[SHA256_HEADER] === undefined || headers[SHA256_HEADER] === sha256Hex(request.body);
    const signed = await signer.sign(unsigned, { signingDate: new Date(date), signableHeaders: signedHeaders, signingRegion: credential.region, signingService: credential.service });
    const expected = /Signature=([0-9a-f]+)$/.exec(String(signed.headers.authorization))?.[1] ?? '';
    if (bodyHashMatches && sameSignature(expected, parts.get('Signature')!)) return this.accepted(credential, request.headers['x-amz-security-token']);
    return invalid(await signer.explain(unsigned, date, signedHeaders, credential.region, credential.service));
  }

  private async verifyPresigned(request: IncomingSignedRequest, query: Query): Promise<SignatureCheck> {
    const invalid = (message: string): SignatureCheck => ({ ok: false, reason: 'invalid', message });
    const single = (name: string): string | undefined => {
      const value = query[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const absent = PRESIGN_PARAMETERS.filter((name) => name !== 'X-Amz-Expires' && !single(name));
    if (absent.length > 0) {
      return invalid(`AWS query-string parameters must include ${PRESIGN_PARAMETERS.filter((n) => n !== 'X-Amz-Expires').map((n) => `'${n}'`).join(', ')}. Re-examine the query-string parameters.`);
    }
    if (single('X-Amz-Algorithm') !== ALGORITHM_IDENTIFIER) return invalid(`X-Amz-Algorithm only supports "${ALGORITHM_IDENTIFIER}"`);
    const credential = this.parseCredential(single('X-Amz-Credential')!);
    if (typeof credential === 'string') return invalid(credential);
    const expiresIn = Number(single('X-Amz-Expires') ?? '3600');
    if (!Number.isInteger(expiresIn) || expiresIn < 0) return invalid('X-Amz-Expires should be a number');
    if (expiresIn > MAX_PRESIGNED_SECONDS) return invalid(`X-Amz-Expires must be less than a week (in seconds) that is ${MAX_PRESIGNED_SECONDS}`);
    const date = this.checkDate(single('X-Amz-Date')!, credential, expiresIn * 1000);
    if (typeof date === 'string') return invalid(date);
    const signedHeaders = new Set(single('X-Amz-SignedHeaders')!.split(';'));
    if (!signedHeaders.has('host')) return invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    const secret = this.options.secretOf(credential.accessKeyId);
    if (secret === undefined) return invalid(INVALID_TOKEN);

    const unsignedQuery: Query = { ...query };
    for (const name of PRESIGN_PARAMETERS) delete unsignedQuery[name];
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) if (request.headers[name] !== undefined) headers[name] = request.headers[name]!;
    const unsigned = this.unsignedRequest(request, unsignedQuery, headers);
    const signer = this.signer(credential, secret);
    const presigned = await signer.presign(unsigned, {
      signingDate: new Date(date),
      expiresIn,
      signableHeaders: signedHeaders,
      signingRegion: credential.region,
      signingService: credential.service,
    });
    const expected = String(presigned.query?.['X-Amz-Signature'] ?? '');
    if (sameSignature(expected, single('X-Amz-Signature')!)) return this.accepted(credential, single('X-Amz-Security-Token'));
    return invalid(SIGNATURE_MISMATCH);
  }

  private accepted(credential: Credential, sessionToken: string | undefined): SignatureCheck {
    return sessionToken === undefined ? { ok: true, accessKeyId: credential.accessKeyId } : { ok: true, accessKeyId: credential.accessKeyId, sessionToken };
  }

  /** `AKID/20240101/us-east-1/execute-api/aws4_request`, or AWS's complaint about it. */
  private parseCredential(text: string): Credential | string {
    const parts = text.split('/');
    if (parts.length !== 5) return `Credential should be scoped to a valid region. `;
    const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];
    if (terminator !== 'aws4_request') return `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'. `;
    if (region !== this.options.region) return 'Credential should be scoped to a valid region. ';
    if (service !== this.options.service) return `Credential should be scoped to correct service: '${this.options.service}'. `;
    return { accessKeyId, date, region, service };
  }

  /**
   * The signing time, or why it is refused: malformed, not the credential's day, or outside the
   * five minutes API Gateway allows either way (a presigned URL: used after `X-Amz-Expires`).
   */
  private checkDate(amzDate: string, credential: Credential, validForMs: number): number | string {
    const signedAt = parseAmzDate(amzDate);
    if (signedAt === undefined) return `Date must be in ISO-8601 'basic format'. Got '${amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`;
    if (amzDate.slice(0, 8) !== credential.date) {
      return `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${credential.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`;
    }
    const now = this.now();
    const nowText = basicIso(now);
    if (validForMs > 0 && signedAt + validForMs < now) return `Signature expired: ${basicIso(signedAt + validForMs)} is now earlier than ${nowText}.`;
    if (validForMs === 0 && signedAt + MAX_CLOCK_SKEW_MS < now) {
      return `Signature expired: ${amzDate} is now earlier than ${basicIso(now - MAX_CLOCK_SKEW_MS)} (${nowText} - 5 min.)`;
    }
    if (signedAt - MAX_CLOCK_SKEW_MS > now) {
      return `Signature not yet current: ${amzDate} is still later than ${basicIso(now + MAX_CLOCK_SKEW_MS)} (${nowText} + 5 min.)`;
    }
    return signedAt;
  }

  private signer(credential: Credential, secretAccessKey: string): ExplainingSigner {
    return new ExplainingSigner({
      service: credential.service,
      region: credential.region,
      credentials: { accessKeyId: credential.accessKeyId, secretAccessKey },
      sha256: NodeSha256,
      applyChecksum: false,
    });
  }

  private unsignedRequest(request: IncomingSignedRequest, query: Query, headers: Record<string, string>) {
    const host = request.headers.host ?? '';
    return { method: request.method, protocol: 'http:', hostname: host.replace(/:\d+$/, ''), path: request.path, query, headers, body: request.body };
  }
}
