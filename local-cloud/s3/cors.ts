import type { IncomingHttpHeaders } from 'node:http';
import { S3Error } from './errors.js';

/**
 * A bucket's CORS configuration as S3 applies it (the template's `CorsConfiguration.CorsRules`):
 * the first rule whose origin, method and (for a preflight) requested headers all match answers
 * the request. `*` may appear once in an origin or header pattern; headers match without case.
 */

export interface CorsRule {
  id?: string;
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders: string[];
  exposedHeaders: string[];
  maxAgeSeconds?: number;
}

const wildcard = (pattern: string, value: string, ignoreCase: boolean): boolean => {
  const star = pattern.indexOf('*');
  const [p, v] = ignoreCase ? [pattern.toLowerCase(), value.toLowerCase()] : [pattern, value];
  if (star < 0) return p === v;
  const head = p.slice(0, star);
  const tail = p.slice(star + 1);
  return v.length >= head.length + tail.length && v.startsWith(head) && v.endsWith(tail);
};

function matchingRule(rules: readonly CorsRule[], origin: string, method: string, requestedHeaders: string[]): CorsRule | undefined {
  return rules.find(
    (rule) =>
      rule.allowedOrigins.some((pattern) => wildcard(pattern, origin, false)) &&
      rule.allowedMethods.includes(method) &&
      requestedHeaders.every((header) => rule.allowedHeaders.some((pattern) => wildcard(pattern, header, true))),
  );
}

function ruleHeaders(rule: CorsRule, origin: string): Record<string, string> {
  const anyOrigin = rule.allowedOrigins.includes('*');
  return {
    'access-control-allow-origin': anyOrigin ? '*' : origin,
    'access-control-allow-methods': rule.allowedMethods.join(', '),
    ...(anyOrigin ? {} : { 'access-control-allow-credentials': 'true' }),
    ...(rule.exposedHeaders.length > 0 ? { 'access-control-expose-headers': rule.exposedHeaders.join(', ') } : {}),
    ...(rule.maxAgeSeconds !== undefined ? { 'access-control-max-age': String(rule.maxAgeSeconds) } : {}),
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  };
}

const requestedHeadersOf = (headers: IncomingHttpHeaders): string[] =>
  String(headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((header) => header.trim())
    .filter((header) => header.length > 0);

/** The answer to a preflight `OPTIONS`: the CORS headers to send with 200, or S3's 403 `AccessForbidden`. */
export function preflight(rules: readonly CorsRule[] | undefined, headers: IncomingHttpHeaders, resourceType: 'BUCKET' | 'OBJECT'): Record<string, string> {
  const origin = headers.origin;
  if (origin === undefined) throw new S3Error(400, 'BadRequest', 'Insufficient information. Origin request header needed.');
  const method = headers['access-control-request-method'];
  if (method === undefined) throw new S3Error(400, 'BadRequest', 'Invalid Access-Control-Request-Method: null');
  if (!rules || rules.length === 0) {
    throw new S3Error(403, 'AccessForbidden', 'CORSResponse: CORS is not enabled for this bucket.', { Method: method, ResourceType: resourceType });
  }
  const requested = requestedHeadersOf(headers);
  const rule = matchingRule(rules, origin, method, requested);
  if (!rule) {
    throw new S3Error(
      403,
      'AccessForbidden',
      "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
      { Method: method, ResourceType: resourceType },
    );
  }
  return { ...ruleHeaders(rule, origin), ...(requested.length > 0 ? { 'access-control-allow-headers': requested.join(', ') } : {}) };
}

/** The CORS headers of an actual (non-preflight) request from a browser; none when no rule matches. */
export function corsHeaders(rules: readonly CorsRule[] | undefined, headers: IncomingHttpHeaders, method: string): Record<string, string> {
  const origin = headers.origin;
  if (origin === undefined || !rules) return {};
  const rule = matchingRule(rules, origin, method, []);
  return rule ? ruleHeaders(rule, origin) : {};
}

/** `CorsConfiguration` of an `AWS::S3::Bucket`, intrinsics already resolved. */
export function corsRulesOf(configuration: unknown): CorsRule[] | undefined {
  const rules = (configuration as { CorsRules?: unknown } | undefined)?.CorsRules;
  if (!Array.isArray(rules)) return undefined;
  const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
  return rules.map((raw: Record<string, unknown>) => ({
    ...(typeof raw.Id === 'string' ? { id: raw.Id } : {}),
    allowedOrigins: strings(raw.AllowedOrigins),
    allowedMethods: strings(raw.AllowedMethods),
    allowedHeaders: strings(raw.AllowedHeaders),
    exposedHeaders: strings(raw.ExposedHeaders),
    ...(raw.MaxAge !== undefined ? { maxAgeSeconds: Number(raw.MaxAge) } : {}),
  }));
}
