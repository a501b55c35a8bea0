import type { FunctionInvoker } from '../lambda/invoker.js';
import type { Connection } from './connection.js';
import { errorFrame } from './error-responses.js';
import { newAwsId } from './ids.js';
import { mockResponder, type MockOutcome, type TemplateContext } from './mock-integration.js';
import { messageEvent, type ApiFacts, type MessageEvent } from './proxy-events.js';
import type { RouteSelection } from './route-selection.js';

export interface MessageDispatchDeps {
  api: ApiFacts;
  invoker: FunctionInvoker;
  selectRoute(body: string): RouteSelection;
  log(message: string, error?: unknown): void;
  /** Largest message API Gateway delivers (128 KB). */
  maxMessageBytes: number;
}

/**
 * Handles one text message: picks its route, invokes the route's function and delivers the
 * route response. Each message is handled on its own (API Gateway does not serialize a
 * connection's messages, so neither does the emulator).
 */
export async function dispatchMessage(connection: Connection, body: string, deps: MessageDispatchDeps): Promise<void> {
  const selection = deps.selectRoute(body);
  if (selection.kind === 'none') {
    connection.send(errorFrame('Forbidden', connection.id, newAwsId()));
    return;
  }
  const { route } = selection;
  const event = messageEvent(deps.api, connection.facts, route.routeKey, body);
  let reply: string | undefined;
  if (route.mock !== undefined) {
    // API Gateway answers a MOCK route itself: no invocation, no function cost.
    const outcome = respondMocked(route.routeKey, route.mock, event);
    if (outcome.kind === 'error') {
      deps.log(`route ${route.routeKey} (MOCK): execution failed due to configuration error: ${outcome.message}`);
      connection.send(errorFrame('Internal server error', connection.id, event.requestContext.requestId));
      return;
    }
    if (!route.twoWay) return;
    // An empty integration response sends no frame.
    reply = outcome.body === '' ? undefined : outcome.body;
  } else {
    let result: unknown;
    try {
      result = await deps.invoker.invoke(route.functionName, event);
    } catch (error) {
      deps.log(`route ${route.routeKey} (${route.functionName}) failed for ${connection.id}`, error);
      connection.send(errorFrame('Internal server error', connection.id, event.requestContext.requestId));
      return;
    }
    if (!route.twoWay) return;
    reply = routeResponseBody(result);
  }
  if (reply === undefined) return;
  // API Gateway cannot deliver a message over its payload quota: the client gets the generic
  // error frame instead of the reply, as for any failed integration response.
  if (Buffer.byteLength(reply) > deps.maxMessageBytes) {
    deps.log(`route ${route.routeKey} (${route.functionName ?? 'MOCK'}) answered ${Buffer.byteLength(reply)} bytes, over the ${deps.maxMessageBytes}-byte message quota`);
    connection.send(errorFrame('Internal server error', connection.id, event.requestContext.requestId));
    return;
  }
  connection.send(reply);
}

/** With a route response, a proxy integration's `body` (or a bare string result) goes back to the client. */
export function routeResponseBody(result: unknown): string | undefined {
  if (typeof result === 'string') return result;
  if (typeof result === 'object' && result !== null && 'body' in result && typeof result.body === 'string') return result.body;
  return undefined;
}

const responders = new WeakMap<object, (context: TemplateContext) => MockOutcome>();

/** Renders a mock route's reply; the responder is built (and the templates checked) once per route. */
function respondMocked(routeKey: string, mock: Parameters<typeof mockResponder>[0], event: MessageEvent): MockOutcome {
  let responder = responders.get(mock);
  if (!responder) {
    responder = mockResponder(mock, `route ${routeKey}`);
    responders.set(mock, responder);
  }
  const c = event.requestContext;
  return responder({
    apiId: c.apiId,
    connectedAt: c.connectedAt,
    connectionId: c.connectionId,
    domainName: c.domainName,
    eventType: c.eventType,
    extendedRequestId: c.extendedRequestId,
    messageId: c.messageId ?? '',
    requestId: c.requestId,
    requestTimeEpoch: c.requestTimeEpoch,
    routeKey: c.routeKey,
    stage: c.stage,
  });
}
