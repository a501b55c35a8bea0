import type { IncomingMessage } from 'node:http';

export type SingleValueMap = Record<string, string>;
export type MultiValueMap = Record<string, string[]>;

/** What API Gateway keeps of the client's `$connect` HTTP request. */
export interface HandshakeRequest {
  headers: SingleValueMap;
  multiValueHeaders: MultiValueMap;
  /** Absent when the URL has no query string, as AWS omits the keys then. */
  queryStringParameters?: SingleValueMap;
  multiValueQueryStringParameters?: MultiValueMap;
  sourceIp: string;
  userAgent?: string;
}

/** Hop-by-hop headers API Gateway consumes itself; the captured `$connect` event has neither. */
const CONSUMED_HEADERS = new Set(['connection', 'upgrade']);

/** Headers the gateway sets as a proxy, so the client cannot spoof them. */
const PROXY_HEADERS = new Set(['x-forwarded-for', 'x-forwarded-port', 'x-forwarded-proto', 'x-amzn-trace-id']);

function addValue(single: SingleValueMap, multi: MultiValueMap, name: string, value: string): void {
  // The single-value map keeps the last occurrence, like API Gateway's REST/WebSocket proxy events.
  single[name] = value;
  (multi[name] ??= []).push(value);
}

export interface ProxyFacts {
  localPort: number;
  traceId: string;
}

/** Reads the upgrade request the way API Gateway presents it to `$connect` and the authorizer. */
export function readHandshakeRequest(request: IncomingMessage, proxy: ProxyFacts): HandshakeRequest {
  const headers: SingleValueMap = {};
  const multiValueHeaders: MultiValueMap = {};
  let forwardedFor: string | undefined;
  const raw = request.rawHeaders;
  // rawHeaders keeps the client's spelling of each name (Node lowercases `request.headers`).
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const value = raw[i + 1] ?? '';
    const lower = name.toLowerCase();
    if (CONSUMED_HEADERS.has(lower)) continue;
    if (lower === 'x-forwarded-for') forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
    if (PROXY_HEADERS.has(lower)) continue;
    addValue(headers, multiValueHeaders, name, value);
  }
  const sourceIp = normalizeIp(request.socket.remoteAddress);
  addValue(headers, multiValueHeaders, 'X-Amzn-Trace-Id', proxy.traceId);
  // A proxy appends the peer it saw to any chain the client sent.
  addValue(headers, multiValueHeaders, 'X-Forwarded-For', forwardedFor === undefined ? sourceIp : `${forwardedFor}, ${sourceIp}`);
  addValue(headers, multiValueHeaders, 'X-Forwarded-Port', String(proxy.localPort));
  addValue(headers, multiValueHeaders, 'X-Forwarded-Proto', 'http');

  const result: HandshakeRequest = { headers, multiValueHeaders, sourceIp };
  const userAgent = request.headers['user-agent'];
  if (userAgent !== undefined) result.userAgent = userAgent;

  const search = new URL(request.url ?? '/', 'http://gateway.invalid').searchParams;
  if ([...search.keys()].length > 0) {
    const single: SingleValueMap = {};
    const multi: MultiValueMap = {};
    for (const [name, value] of search) addValue(single, multi, name, value);
    result.queryStringParameters = single;
    result.multiValueQueryStringParameters = multi;
  }
  return result;
}

/** Header lookup is case-insensitive, as HTTP and API Gateway identity sources are. */
export function findHeader(request: HandshakeRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  let found: string | undefined;
  for (const [key, value] of Object.entries(request.headers)) if (key.toLowerCase() === wanted) found = value;
  return found;
}

function normalizeIp(address: string | undefined): string {
  if (address === undefined) return '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}
