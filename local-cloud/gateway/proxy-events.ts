import type { HandshakeRequest, MultiValueMap, SingleValueMap } from './handshake-request.js';
import { formatRequestTime, newAwsId } from './ids.js';

/**
 * Lambda proxy events as API Gateway WebSocket APIs send them. Field sets and formats follow the
 * events captured from AWS in test/fixtures/aws-events (copied from the shared design folder); the key order mirrors them too so a
 * logged event reads like a CloudWatch one.
 */

export interface ApiFacts {
  apiId: string;
  stage: string;
  region: string;
  accountId: string;
}

export interface WebSocketIdentity {
  sourceIp: string;
  userAgent?: string;
}

/** `requestContext.authorizer`: the authorizer's context plus `principalId` and `integrationLatency`. */
export type AuthorizerFacts = Record<string, string | number | boolean>;

/** What every event of one connection shares. */
export interface ConnectionFacts {
  connectionId: string;
  connectedAt: number;
  identity: WebSocketIdentity;
  authorizer?: AuthorizerFacts;
}

export type WebSocketEventType = 'CONNECT' | 'MESSAGE' | 'DISCONNECT';

export interface WebSocketRequestContext {
  routeKey: string;
  messageId?: string;
  disconnectStatusCode?: number;
  eventType: WebSocketEventType;
  extendedRequestId: string;
  requestTime: string;
  messageDirection: 'IN';
  disconnectReason?: string;
  stage: string;
  connectedAt: number;
  requestTimeEpoch: number;
  identity: WebSocketIdentity;
  requestId: string;
  domainName: string;
  connectionId: string;
  apiId: string;
  authorizer?: AuthorizerFacts;
}

export interface ConnectEvent {
  headers: SingleValueMap;
  multiValueHeaders: MultiValueMap;
  queryStringParameters?: SingleValueMap;
  multiValueQueryStringParameters?: MultiValueMap;
  requestContext: WebSocketRequestContext;
  isBase64Encoded: false;
}

export interface MessageEvent {
  requestContext: WebSocketRequestContext;
  body: string;
  isBase64Encoded: false;
}

export interface DisconnectEvent {
  headers: SingleValueMap;
  multiValueHeaders: MultiValueMap;
  requestContext: WebSocketRequestContext;
  isBase64Encoded: false;
}

/** The REQUEST authorizer event of a WebSocket API's `$connect`. */
export interface AuthorizerRequestEvent {
  type: 'REQUEST';
  methodArn: string;
  headers: SingleValueMap;
  multiValueHeaders: MultiValueMap;
  queryStringParameters?: SingleValueMap;
  multiValueQueryStringParameters?: MultiValueMap;
  stageVariables: Record<string, string>;
  requestContext: WebSocketRequestContext;
}

export function domainNameOf(api: ApiFacts): string {
  return `${api.apiId}.execute-api.${api.region}.amazonaws.com`;
}

export function connectMethodArn(api: ApiFacts): string {
  return `arn:aws:execute-api:${api.region}:${api.accountId}:${api.apiId}/${api.stage}/$connect`;
}

function copyIdentity(identity: WebSocketIdentity): WebSocketIdentity {
  // userAgent is absent, not undefined, when the client sent none (as in connect.json).
  return identity.userAgent === undefined ? { sourceIp: identity.sourceIp } : { userAgent: identity.userAgent, sourceIp: identity.sourceIp };
}

/** The parts after the route-specific ones; `requestId` equals `extendedRequestId` in every captured event. */
function commonContext(api: ApiFacts, connection: ConnectionFacts, requestId: string, now: number) {
  return {
    extendedRequestId: requestId,
    requestTime: formatRequestTime(now),
    messageDirection: 'IN' as const,
    stage: api.stage,
    connectedAt: connection.connectedAt,
    requestTimeEpoch: now,
    identity: copyIdentity(connection.identity),
    requestId,
    domainName: domainNameOf(api),
    connectionId: connection.connectionId,
    apiId: api.apiId,
  };
}

function withAuthorizer(context: WebSocketRequestContext, connection: ConnectionFacts): WebSocketRequestContext {
  if (connection.authorizer !== undefined) context.authorizer = { ...connection.authorizer };
  return context;
}

/**
 * The `$connect` request context, before authorization: the authorizer sees the same one, and
 * `connectEvent` adds the authorizer's result to it.
 */
export function connectRequestContext(api: ApiFacts, connection: ConnectionFacts, now = Date.now()): WebSocketRequestContext {
  const { extendedRequestId, ...rest } = commonContext(api, connection, newAwsId(), now);
  return { routeKey: '$connect', eventType: 'CONNECT', extendedRequestId, ...rest };
}

export function authorizerRequestEvent(api: ApiFacts, request: HandshakeRequest, requestContext: WebSocketRequestContext): AuthorizerRequestEvent {
  return {
    type: 'REQUEST',
    methodArn: connectMethodArn(api),
    headers: { ...request.headers },
    multiValueHeaders: { ...request.multiValueHeaders },
    ...queryOf(request),
    stageVariables: {},
    requestContext: structuredClone(requestContext),
  };
}

export function connectEvent(request: HandshakeRequest, requestContext: WebSocketRequestContext, connection: ConnectionFacts): ConnectEvent {
  return {
    headers: { ...request.headers },
    multiValueHeaders: { ...request.multiValueHeaders },
    ...queryOf(request),
    requestContext: withAuthorizer(structuredClone(requestContext), connection),
    isBase64Encoded: false,
  };
}

export function messageEvent(api: ApiFacts, connection: ConnectionFacts, routeKey: string, body: string, now = Date.now()): MessageEvent {
  const { extendedRequestId, ...rest } = commonContext(api, connection, newAwsId(), now);
  const requestContext: WebSocketRequestContext = { routeKey, messageId: newAwsId(), eventType: 'MESSAGE', extendedRequestId, ...rest };
  return { requestContext: withAuthorizer(requestContext, connection), body, isBase64Encoded: false };
}

export function disconnectEvent(api: ApiFacts, connection: ConnectionFacts, statusCode: number, reason: string, now = Date.now()): DisconnectEvent {
  const { extendedRequestId, requestTime, messageDirection, ...rest } = commonContext(api, connection, newAwsId(), now);
  const requestContext: WebSocketRequestContext = {
    routeKey: '$disconnect',
    disconnectStatusCode: statusCode,
    eventType: 'DISCONNECT',
    extendedRequestId,
    requestTime,
    messageDirection,
    disconnectReason: reason,
    ...rest,
  };
  // AWS sends these placeholder headers on $disconnect: the client's request is long gone.
  const host = domainNameOf(api);
  return {
    headers: { Host: host, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' },
    multiValueHeaders: { Host: [host], 'x-api-key': [''], 'X-Forwarded-For': [''], 'x-restapi': [''] },
    requestContext: withAuthorizer(requestContext, connection),
    isBase64Encoded: false,
  };
}

function queryOf(request: HandshakeRequest): Pick<ConnectEvent, 'queryStringParameters' | 'multiValueQueryStringParameters'> {
  if (request.queryStringParameters === undefined || request.multiValueQueryStringParameters === undefined) return {};
  return {
    queryStringParameters: { ...request.queryStringParameters },
    multiValueQueryStringParameters: structuredClone(request.multiValueQueryStringParameters),
  };
}
