import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from './sha256.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignerOptions {
  /** Fixed credentials, or a provider; the default AWS credential chain when left out (env, profile, SSO, container, instance role). */
  credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
  /** The API's region; AWS_REGION, then us-east-1 when left out. */
  region?: string;
  fetch?: typeof fetch;
}

export interface SignedRequest {
  method: string;
  url: URL;
  body?: string;
}

/**
 * Sends a request signed with SigV4 for API Gateway (service `execute-api`). The signed path is
 * the URL's path as sent (percent-encoded), the `host` header the URL's host: the same for AWS
 * and for the local cloud's `http://127.0.0.1:PORT/api`.
 */
export function signedFetcher(options: SignerOptions = {}): (request: SignedRequest) => Promise<Response> {
  const signer = new SignatureV4({
    service: 'execute-api',
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    credentials: options.credentials ?? defaultProvider(),
    sha256: NodeSha256,
  });
  const send = options.fetch ?? fetch;
  return async ({ method, url, body }) => {
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of url.searchParams) {
      const existing = query[name];
      query[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
    const headers: Record<string, string> = { host: url.host, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const sent: Record<string, string> = {};
    // fetch sets `host` itself (and refuses it as a header).
    for (const [name, value] of Object.entries(signed.headers)) if (name.toLowerCase() !== 'host') sent[name] = String(value);
    return send(url, { method, headers: sent, ...(body === undefined ? {} : { body }) });
  };
}
