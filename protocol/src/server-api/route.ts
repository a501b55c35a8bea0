import * as z from 'zod/mini';
import type { ErrorCode } from '../errors.js';

/**
 * One route of the server API (the IAM-signed HTTP API a company's own backend calls): its
 * method and path (API Gateway's route key), and one zod schema each for its path parameters,
 * query, JSON body and 200 reply. The Lambda handlers validate with these schemas, the typed
 * server client is typed by them, and docs/server-api.openapi.json is generated from them
 * (`serverApiOpenApi()`), so the three cannot drift apart.
 */
export interface ServerApiRoute<
  Params extends z.ZodMiniType = z.ZodMiniType,
  Query extends z.ZodMiniType = z.ZodMiniType,
  Body extends z.ZodMiniType | undefined = z.ZodMiniType | undefined,
  Reply extends z.ZodMiniType = z.ZodMiniType,
> {
  /** A stable name: the OpenAPI operationId, the client method and the handler's log key. */
  operationId: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** `/v1/groups/{id}/members`: API Gateway's path syntax (and OpenAPI's). */
  path: `/v1/${string}`;
  /** The status of a successful reply: 200 unless the route says 202 (work accepted, still going on). */
  successStatus?: 200 | 202;
  summary: string;
  description: string;
  /** Strict object of the `{name}` segments of `path` (strings, URL-decoded). */
  params: Params;
  /** Strict object of the query parameters (strings as sent; the schema converts). */
  query: Query;
  /** The JSON body; undefined for a route without one. */
  body: Body;
  reply: Reply;
  /** The protocol error codes this route answers with (besides API Gateway's own refusals). */
  errors: readonly ErrorCode[];
}

export type ParamsOf<R extends ServerApiRoute> = z.input<R['params']>;
export type QueryOf<R extends ServerApiRoute> = z.input<R['query']>;
export type BodyOf<R extends ServerApiRoute> = R['body'] extends z.ZodMiniType ? z.input<R['body']> : undefined;
export type ReplyOf<R extends ServerApiRoute> = z.output<R['reply']>;

/** Keeps the exact schema types of a route (so handlers and the client get them). */
export const defineRoute = <P extends z.ZodMiniType, Q extends z.ZodMiniType, B extends z.ZodMiniType | undefined, R extends z.ZodMiniType>(
  route: ServerApiRoute<P, Q, B, R>,
): ServerApiRoute<P, Q, B, R> => route;

/** No path parameters, or no query parameters. */
export const none = z.strictObject({});

/**
 * A query parameter that is a non-negative integer: sent as decimal digits, parsed to a number
 * (then checked by `then`, e.g. the page size bounds). Anything else is BAD_REQUEST.
 */
export const integerParam = <T extends z.ZodMiniType<number, number>>(then: T) =>
  z.pipe(
    z.pipe(z.string().check(z.regex(/^[0-9]{1,16}$/, 'must be a non-negative integer')), z.transform((text: string) => Number(text))),
    then,
  );
