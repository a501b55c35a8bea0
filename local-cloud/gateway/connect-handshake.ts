import type { IncomingMessage } from 'node:http';
import type { FunctionInvoker } from '../lambda/invoker.js';
import { authorize } from './authorizer.js';
import type { AuthorizerConfig, FunctionRouteConfig } from './gateway-config.js';
import type { HandshakeRequest } from './handshake-request.js';
import { newAwsId } from './ids.js';
import { connectEvent, connectRequestContext, type ApiFacts, type ConnectionFacts } from './proxy-events.js';

export type HandshakeOutcome =
  | { kind: 'accept'; facts: ConnectionFacts; protocol?: string }
  | { kind: 'refuse'; status: number; reason: string };

export interface ConnectHandshakeDeps {
  api: ApiFacts;
  invoker: FunctionInvoker;
  authorizer?: AuthorizerConfig;
  connectRoute?: FunctionRouteConfig;
}

const WEBSOCKET_KEY = /^[+/0-9A-Za-z]{22}==$/;

/**
 * Status to refuse an upgrade request with before anything is invoked, or undefined when it is
 * a well-formed WebSocket handshake on `/` or `/{stage}` (`ws` would otherwise refuse it only
 * after `$connect` had run).
 */
export function checkUpgradeRequest(request: IncomingMessage, stage: string): number | undefined {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  if (path !== '/' && path !== `/${stage}` && path !== `/${stage}/`) return 403;
  if (request.method !== 'GET') return 405;
  if (request.headers.upgrade?.toLowerCase() !== 'websocket') return 400;
  if (!WEBSOCKET_KEY.test(request.headers['sec-websocket-key'] ?? '')) return 400;
  const version = request.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') return 400;
  return undefined;
}

/**
 * Everything API Gateway does before answering `101 Switching Protocols`: the authorizer, then
 * the `$connect` integration, whose failure or non-2xx status refuses the handshake.
 */
export async function runConnectHandshake(deps: ConnectHandshakeDeps, request: HandshakeRequest, connectedAt: number): Promise<HandshakeOutcome> {
  const identity = request.userAgent === undefined ? { sourceIp: request.sourceIp } : { sourceIp: request.sourceIp, userAgent: request.userAgent };
  const facts: ConnectionFacts = { connectionId: newAwsId(), connectedAt, identity };
  const requestContext = connectRequestContext(deps.api, facts);

  if (deps.authorizer !== undefined) {
    const outcome = await authorize(deps.authorizer, deps.invoker, deps.api, request, requestContext);
    if (outcome.kind === 'refuse') return outcome;
    facts.authorizer = outcome.authorizer;
  }

  if (deps.connectRoute === undefined) return { kind: 'accept', facts };
  let result: unknown;
  try {
    result = await deps.invoker.invoke(deps.connectRoute.functionName, connectEvent(request, requestContext, facts));
  } catch (error) {
    return { kind: 'refuse', status: 500, reason: `$connect failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  const status = resultStatus(result);
  if (status !== undefined && (status < 200 || status > 299)) {
    return { kind: 'refuse', status: status >= 300 && status <= 599 ? status : 500, reason: `$connect returned status ${status}` };
  }
  const protocol = selectedProtocol(result);
  return protocol === undefined ? { kind: 'accept', facts } : { kind: 'accept', facts, protocol };
}

function resultStatus(result: unknown): number | undefined {
  if (typeof result !== 'object' || result === null || !('statusCode' in result)) return undefined;
  const status = Number(result.statusCode);
  return Number.isInteger(status) ? status : undefined;
}

/** `$connect` picks the subprotocol by returning a `Sec-WebSocket-Protocol` header, as in AWS. */
function selectedProtocol(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null || !('headers' in result)) return undefined;
  const headers = result.headers;
  if (typeof headers !== 'object' || headers === null) return undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'sec-websocket-protocol' && typeof value === 'string') return value;
  }
  return undefined;
}
