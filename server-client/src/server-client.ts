import type { ErrorCode } from '@serverless-im/protocol';
import {
  type BodyOf,
  type ParamsOf,
  type QueryOf,
  type ReplyOf,
  serverApiErrorBody,
  type ServerApiOperation,
  type ServerApiRoutes,
  serverApiRoutes,
} from '@serverless-im/protocol/server-api';
import { type SignerOptions, signedFetcher } from './signed-fetch.js';

export interface ServerClientOptions extends SignerOptions {
  /** The API's invoke URL: the stack output `ServerApiUrl`, or `http://127.0.0.1:PORT/api` locally. */
  url: string;
}

/**
 * A refused request. `code`, `reason` and `retryAfterMs` are the protocol's when the function
 * answered; a refusal of API Gateway itself (403 unsigned or not allowed, 429 throttled, 404 no
 * such route) has `code` undefined and its `message`.
 */
export class ServerApiError extends Error {
  override readonly name = 'ServerApiError';

  constructor(
    readonly status: number,
    message: string,
    readonly code?: ErrorCode,
    readonly reason?: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export type CallInput<Op extends ServerApiOperation> = {
  params?: ParamsOf<ServerApiRoutes[Op]>;
  query?: QueryOf<ServerApiRoutes[Op]>;
  body?: BodyOf<ServerApiRoutes[Op]>;
};

/** The path of a route with its `{name}` segments filled in (each percent-encoded). */
export function pathOf(template: string, params: Record<string, string> = {}): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
}

/**
 * The typed client of the server API, for a company's own backend (Node): every route as a
 * method, requests signed with SigV4 and the default AWS credential chain (or given
 * credentials), replies typed by the route schemas of @serverless-im/protocol/server-api and
 * refusals thrown as ServerApiError.
 */
export class ServerClient {
  private readonly fetchSigned: ReturnType<typeof signedFetcher>;
  private readonly base: string;

  constructor(options: ServerClientOptions) {
    this.fetchSigned = signedFetcher(options);
    this.base = options.url.replace(/\/+$/, '');
  }

  /** A signed request to any path under the API's URL, answered as is (no status check). */
  request(method: string, path: string, body?: unknown): Promise<Response> {
    return this.fetchSigned({ method, url: new URL(`${this.base}${path}`), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  }

  /** Calls one route by its operationId; the reply as the route's schema types it. */
  async call<Op extends ServerApiOperation>(operation: Op, input: CallInput<Op> = {}): Promise<ReplyOf<ServerApiRoutes[Op]>> {
    const route = serverApiRoutes[operation];
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries((input.query ?? {}) as Record<string, unknown>)) if (value !== undefined) search.set(name, String(value));
    const path = pathOf(route.path, input.params as Record<string, string> | undefined) + (search.size > 0 ? `?${search}` : '');
    const response = await this.request(route.method, path, input.body);
    const text = await response.text();
    let payload: unknown;
    try {
      payload = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new ServerApiError(response.status, `not JSON (HTTP ${response.status}): ${text.slice(0, 200)}`);
    }
    if (response.ok) return payload as ReplyOf<ServerApiRoutes[Op]>;
    const refusal = serverApiErrorBody.safeParse(payload);
    if (refusal.success) {
      const { code, message, reason, retryAfterMs } = refusal.data.error;
      throw new ServerApiError(response.status, message, code, reason, retryAfterMs);
    }
    const message = (payload as { message?: unknown } | undefined)?.message;
    throw new ServerApiError(response.status, typeof message === 'string' ? message : `HTTP ${response.status}`);
  }

  /** `POST /v1/messages`: send on behalf of `from`; retry with the same clientMsgId, it stores once. */
  sendMessage(body: BodyOf<ServerApiRoutes['postMessage']>) {
    return this.call('postMessage', { body });
  }

  /** `POST /v1/groups` */
  createGroup(body: BodyOf<ServerApiRoutes['createGroup']>) {
    return this.call('createGroup', { body });
  }

  /** `POST /v1/groups/{id}/members` */
  addGroupMembers(conversationId: string, members: string[]) {
    return this.call('addGroupMembers', { params: { id: conversationId }, body: { members } });
  }

  /** `DELETE /v1/groups/{id}/members/{userId}` */
  removeGroupMember(conversationId: string, userId: string) {
    return this.call('removeGroupMember', { params: { id: conversationId, userId } });
  }

  /** `GET /v1/conversations/{id}/messages`, newest first. */
  conversationMessages(conversationId: string, page: { before?: number; limit?: number } = {}) {
    const query: Record<string, string> = {};
    if (page.before !== undefined) query.before = String(page.before);
    if (page.limit !== undefined) query.limit = String(page.limit);
    return this.call('conversationMessages', { params: { id: conversationId }, query });
  }

  /** `GET /v1/users/{id}/conversations` */
  userConversations(userId: string) {
    return this.call('userConversations', { params: { id: userId } });
  }

  /** `POST /v1/users/{id}/disconnect`: closes every live connection of the user. */
  disconnectUser(userId: string) {
    return this.call('disconnectUser', { params: { id: userId } });
  }

  /** `DELETE /v1/users/{id}`: starts erasing the user (202); idempotent. Follow it with `erasureStatus`. */
  eraseUser(userId: string) {
    return this.call('eraseUser', { params: { id: userId } });
  }

  /** `GET /v1/users/{id}/erasure`: `running` (with its step) or `done`. */
  erasureStatus(userId: string) {
    return this.call('erasureStatus', { params: { id: userId } });
  }

  /** `GET /v1/users/{id}/export`: everything stored about the user, as one JSON document (TOO_LARGE above USER_EXPORT_MAX_BYTES). */
  exportUser(userId: string) {
    return this.call('exportUser', { params: { id: userId } });
  }
}
