import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../local-cloud/http-api/sha256.js';

/**
 * SigV4-signed requests to the local HTTP API, the way a company's backend signs them for API
 * Gateway: `@smithy/signature-v4`, service `execute-api`, the stack's region, and (locally) the
 * access key id `local` with secret `local`. The signed path is the path as sent (`/api/...`) and
 * the `host` header is the local origin's.
 */

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const LOCAL_BACKEND: Credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface SigningOptions {
  method?: string;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  credentials?: Credentials;
  region?: string;
  /** Sign as of this time (an expired or future signature). */
  signingDate?: Date;
}

function requestToSign(url: string, options: SigningOptions) {
  const target = new URL(url);
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of target.searchParams) {
    const existing = query[name];
    query[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return {
    method: options.method ?? 'GET',
    protocol: target.protocol,
    hostname: target.hostname,
    port: Number(target.port),
    path: target.pathname,
    query,
    headers: { host: target.host, ...options.headers },
    ...(options.body === undefined ? {} : { body: options.body }),
  };
}

const signerFor = (options: SigningOptions): SignatureV4 =>
  new SignatureV4({ service: 'execute-api', region: options.region ?? 'us-east-1', credentials: options.credentials ?? LOCAL_BACKEND, sha256: NodeSha256 });

/** The headers to send (`authorization`, `x-amz-date`, `x-amz-content-sha256`, ...), `host` aside: fetch sets it. */
export async function signedHeaders(url: string, options: SigningOptions = {}): Promise<Record<string, string>> {
  const signed = await signerFor(options).sign(requestToSign(url, options), options.signingDate ? { signingDate: options.signingDate } : {});
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) if (name.toLowerCase() !== 'host') headers[name] = String(value);
  return headers;
}

export async function signedFetch(url: string, options: SigningOptions = {}): Promise<Response> {
  return fetch(url, {
    method: options.method ?? 'GET',
    headers: await signedHeaders(url, options),
    ...(options.body === undefined ? {} : { body: options.body }),
  });
}

/** A presigned URL (query-string authentication) valid for `expiresIn` seconds. */
export async function presignedUrl(url: string, options: SigningOptions & { expiresIn: number }): Promise<string> {
  const presigned = await signerFor(options).presign(requestToSign(url, options), {
    expiresIn: options.expiresIn,
    ...(options.signingDate ? { signingDate: options.signingDate } : {}),
  });
  const target = new URL(url);
  target.search = '';
  for (const [name, value] of Object.entries(presigned.query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) target.searchParams.append(name, String(item));
  }
  return target.toString();
}
