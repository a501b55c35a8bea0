import type { FunctionInvoker } from '../lambda/invoker.js';
import type { MockIntegrationConfig } from './mock-integration.js';

/** A route whose AWS_PROXY integration invokes a function. */
export interface FunctionRouteConfig {
  /** `$connect`, `$disconnect`, `$default` or an action name. */
  routeKey: string;
  /** Function that the route's AWS_PROXY integration invokes. */
  functionName: string;
  /** True when the route has a route response: the integration result's `body` goes back to the client. */
  twoWay: boolean;
  mock?: undefined;
}

/** A route that API Gateway answers itself (a MOCK integration): no function runs. */
export interface MockRouteConfig {
  routeKey: string;
  mock: MockIntegrationConfig;
  /** True when the route has a route response: the rendered integration response goes back to the client. */
  twoWay: boolean;
  functionName?: undefined;
}

/** One route of the WebSocket API, as the synthesized template declares it. */
export type RouteConfig = FunctionRouteConfig | MockRouteConfig;

/** A REQUEST authorizer on `$connect`. */
export interface AuthorizerConfig {
  functionName: string;
  /** e.g. `route.request.querystring.token`; a missing source refuses the handshake with 401 without invoking. */
  identitySource: string[];
}

export interface GatewayLimits {
  /** API Gateway closes a connection idle this long (10 minutes in AWS). */
  idleTimeoutMs: number;
  /** API Gateway closes any connection after this long (2 hours in AWS). */
  maxConnectionMs: number;
  /** Largest single WebSocket frame (32 KB in AWS). */
  maxFrameBytes: number;
  /** Largest message, frames of a fragmented message together (128 KB in AWS). */
  maxMessageBytes: number;
}

export const AWS_GATEWAY_LIMITS: GatewayLimits = {
  idleTimeoutMs: 10 * 60 * 1000,
  maxConnectionMs: 2 * 60 * 60 * 1000,
  maxFrameBytes: 32 * 1024,
  maxMessageBytes: 128 * 1024,
};

/** One `@connections` request, as an access check (local IAM) sees it. */
export interface ManagementCall {
  /** The access key of the request's SigV4 `Authorization` header; undefined when unsigned. */
  accessKeyId: string | undefined;
  /** `POST`, `GET` or `DELETE`. */
  method: string;
  connectionId: string;
}

/** A refusal of a management call: the status, the `x-amzn-errortype` and the message API Gateway answers with. */
export interface ManagementRefusal {
  status: number;
  errorType: string;
  message: string;
}

export interface GatewayConfig {
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number;
  apiId: string;
  stage: string;
  region: string;
  accountId: string;
  /** Only `$request.body.<field>` is supported, as in every WebSocket API we deploy. */
  routeSelectionExpression: string;
  routes: RouteConfig[];
  authorizer?: AuthorizerConfig;
  invoker: FunctionInvoker;
  limits: GatewayLimits;
  /**
   * Extra HTTP endpoints on the same origin (the dev token endpoint, the web chat page).
   * Return true when the request was handled.
   */
  httpHandler?: (request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => boolean | Promise<boolean>;
  /**
   * Checks each `@connections` call before it is served (the local cloud's IAM check of
   * `execute-api:ManageConnections`); a refusal is answered instead. Absent: every call passes.
   */
  authorizeManagementCall?: (call: ManagementCall) => ManagementRefusal | undefined;
}
