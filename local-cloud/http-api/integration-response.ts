/**
 * How an HTTP API turns a Lambda result (payload format 2.0) into the HTTP response: a result with
 * a `statusCode` is a structured response (`headers`, `cookies` as `set-cookie` headers, `body`,
 * `isBase64Encoded`); any other JSON value is the body of a 200 `application/json` response, as
 * the developer guide says ("If your Lambda function returns valid JSON and doesn't return a
 * statusCode, API Gateway assumes ..."). A structured response API Gateway cannot read is the
 * client's 500 `Internal Server Error`.
 */

export interface HttpResponse {
  status: number;
  /** Header name (as the function wrote it) and value; `set-cookie` may repeat. */
  headers: [string, string][];
  body: Buffer;
}

export type MappedResult = { ok: true; response: HttpResponse } | { ok: false; reason: string };

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

const scalar = (value: unknown): value is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof value);

export function mapLambdaResult(result: unknown): MappedResult {
  if (!isRecord(result) || !('statusCode' in result)) {
    return { ok: true, response: { status: 200, headers: [['content-type', 'application/json']], body: Buffer.from(JSON.stringify(result ?? null)) } };
  }
  const { statusCode, headers = {}, cookies = [], body, isBase64Encoded = false } = result;
  const status = typeof statusCode === 'string' && /^\d+$/.test(statusCode) ? Number(statusCode) : statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return { ok: false, reason: `statusCode ${JSON.stringify(statusCode)} is not an HTTP status` };
  if (!isRecord(headers) || !Object.values(headers).every(scalar)) return { ok: false, reason: 'headers must map names to strings' };
  if (!Array.isArray(cookies) || !cookies.every((cookie) => typeof cookie === 'string')) return { ok: false, reason: 'cookies must be a list of strings' };
  if (body !== undefined && body !== null && typeof body !== 'string') return { ok: false, reason: 'body must be a string' };
  if (typeof isBase64Encoded !== 'boolean') return { ok: false, reason: 'isBase64Encoded must be a boolean' };
  const text = typeof body === 'string' ? body : '';
  return {
    ok: true,
    response: {
      status,
      headers: [...Object.entries(headers).map(([name, value]): [string, string] => [name, String(value)]), ...cookies.map((cookie): [string, string] => ['set-cookie', String(cookie)])],
      body: isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8'),
    },
  };
}
