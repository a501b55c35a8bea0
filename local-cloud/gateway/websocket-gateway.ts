import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import { WebSocketServer } from 'ws';
import { checkUpgradeRequest, runConnectHandshake, type HandshakeOutcome } from './connect-handshake.js';
import { CloseCode, Connection } from './connection.js';
import { refuseHandshake } from './error-responses.js';
import { GatewayFaults } from './faults.js';
import type { FunctionRouteConfig, GatewayConfig } from './gateway-config.js';
import { readHandshakeRequest } from './handshake-request.js';
import { newTraceId } from './ids.js';
import { InflightWork } from './inflight.js';
import { handleManagementRequest, matchManagementPath } from './management-api.js';
import { mockResponder } from './mock-integration.js';
import { dispatchMessage, type MessageDispatchDeps } from './message-dispatch.js';
import { disconnectEvent, type ApiFacts, type ConnectionFacts } from './proxy-events.js';
import { createRouteSelector } from './route-selection.js';

/** Only the local machine may reach the emulator: it accepts any management API signature. */
const HOST = '127.0.0.1';

function log(message: string, error?: unknown): void {
  if (error === undefined) console.warn(`[gateway] ${message}`);
  else console.warn(`[gateway] ${message}:`, error instanceof Error ? error.message : error);
}

/**
 * API Gateway WebSocket API emulator: the client side (`ws://127.0.0.1:PORT/` or `/{stage}`) and
 * the `@connections` management API on one HTTP server, invoking functions through the
 * `FunctionInvoker` with the proxy events AWS would send.
 */
export class WebSocketGateway {
  readonly faults = new GatewayFaults();

  private readonly api: ApiFacts;
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly connections = new Map<string, Connection>();
  /** `$connect` handshakes under way: `stop()` lets them finish so none is left half-open. */
  private readonly handshakes = new InflightWork();
  /** Message and `$disconnect` invocations. */
  private readonly invocations = new InflightWork();
  private readonly dispatchDeps: MessageDispatchDeps;
  /** Subprotocol each accepted request's `$connect` chose, read by ws's handleProtocols. */
  private readonly chosenProtocols = new WeakMap<IncomingMessage, string>();
  private listeningPort = 0;
  private stopping: Promise<void> | undefined;

  private constructor(private readonly config: GatewayConfig) {
    for (const route of config.routes) {
      if (route.mock !== undefined && (route.routeKey === '$connect' || route.routeKey === '$disconnect')) {
        throw new Error(`${route.routeKey}: a MOCK integration is not emulated on this route`);
      }
      // Refuses, at start, a mock route whose templates the emulator cannot render as AWS would.
      if (route.mock !== undefined) mockResponder(route.mock, `route ${route.routeKey}`);
    }
    this.api = { apiId: config.apiId, stage: config.stage, region: config.region, accountId: config.accountId };
    this.dispatchDeps = {
      api: this.api,
      invoker: config.invoker,
      selectRoute: createRouteSelector(config.routeSelectionExpression, config.routes),
      log,
      maxMessageBytes: config.limits.maxMessageBytes,
    };
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      // API Gateway negotiates no compression, so frame sizes on the wire are payload sizes.
      perMessageDeflate: false,
      // Whole-message limit; ws closes with 1009 beyond it, across fragments too.
      maxPayload: config.limits.maxMessageBytes,
      handleProtocols: (_protocols, request) => this.chosenProtocols.get(request) ?? false,
    });
    this.server = createServer((request, response) => void this.onRequest(request, response));
    this.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(request, socket, head));
  }

  static async start(config: GatewayConfig): Promise<WebSocketGateway> {
    const gateway = new WebSocketGateway(config);
    await new Promise<void>((resolve, reject) => {
      gateway.server.once('error', reject);
      gateway.server.listen(config.port, HOST, () => {
        gateway.server.off('error', reject);
        resolve();
      });
    });
    gateway.listeningPort = (gateway.server.address() as AddressInfo).port;
    return gateway;
  }

  get port(): number {
    return this.listeningPort;
  }

  get url(): string {
    return `ws://${HOST}:${this.port}`;
  }

  /** What a function's `ApiGatewayManagementApiClient` uses as `endpoint` (AWS: `https://{domainName}/{stage}`). */
  get managementEndpoint(): string {
    return `http://${HOST}:${this.port}/${this.config.stage}`;
  }

  connectionCount(): number {
    return this.connections.size;
  }

  /** Ids of the connections that passed `$connect` and have not closed yet. */
  connectionIds(): string[] {
    return [...this.connections.keys()];
  }

  /** Closes every connection (each fires `$disconnect`), waits for running invocations, closes the server. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    await this.handshakes.drain();
    const connections = [...this.connections.values()];
    for (const connection of connections) connection.close(CloseCode.goingAway, 'Going away');
    await Promise.all(connections.map((connection) => connection.closed));
    await this.invocations.drain();
    this.wss.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Keep-alive sockets of SDK clients would otherwise hold close() open.
      this.server.closeAllConnections();
    });
  }

  private onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A client reset while $connect runs or while a refusal is written must not become an
    // uncaught 'error'; once ws owns the socket it listens too, and this stays a no-op.
    socket.on('error', () => {});
    if (this.stopping !== undefined) return refuseHandshake(socket, 503);
    const invalid = checkUpgradeRequest(request, this.config.stage);
    if (invalid !== undefined) return refuseHandshake(socket, invalid);
    this.handshakes.track(this.handshake(request, socket, head));
  }

  private async handshake(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const connectedAt = Date.now();
    let outcome: HandshakeOutcome;
    try {
      const handshakeRequest = readHandshakeRequest(request, { localPort: this.port, traceId: newTraceId(connectedAt) });
      outcome = await runConnectHandshake(
        {
          api: this.api,
          invoker: this.config.invoker,
          ...(this.config.authorizer === undefined ? {} : { authorizer: this.config.authorizer }),
          ...this.connectRoute(),
        },
        handshakeRequest,
        connectedAt,
      );
    } catch (error) {
      outcome = { kind: 'refuse', status: 500, reason: error instanceof Error ? error.message : String(error) };
    }
    if (outcome.kind === 'refuse') {
      if (outcome.status >= 500) log(`handshake refused with ${outcome.status}: ${outcome.reason}`);
      refuseHandshake(socket, outcome.status);
      return;
    }

    // $connect succeeded, so the backend now believes in this connection: from here on it must
    // end with exactly one $disconnect, even if the client left while $connect was running.
    const ws = this.completeUpgrade(request, socket, head, outcome.protocol);
    if (ws === undefined) {
      socket.destroy();
      this.invocations.track(this.fireDisconnect(outcome.facts, CloseCode.abnormal, ''));
      return;
    }
    const connection = new Connection(outcome.facts, ws, socket, this.config.limits, {
      onMessage: (conn, text) => this.invocations.track(dispatchMessage(conn, text, this.dispatchDeps)),
      onClosed: (conn, code, reason) => {
        // Unknown (410) before $disconnect runs, as in AWS.
        this.connections.delete(conn.id);
        this.invocations.track(this.fireDisconnect(conn.facts, code, reason));
      },
    });
    this.connections.set(connection.id, connection);
  }

  /** The accepted WebSocket, or undefined when the client is already gone. */
  private completeUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, protocol: string | undefined): WebSocket | undefined {
    if (socket.destroyed || !socket.readable || !socket.writable) return undefined;
    if (protocol !== undefined) this.chosenProtocols.set(request, protocol);
    let accepted: WebSocket | undefined;
    // Synchronous here (no verifyClient, no compression): the callback has run when this returns.
    this.wss.handleUpgrade(request, socket, head, (ws) => (accepted = ws));
    return accepted;
  }

  private connectRoute(): { connectRoute?: FunctionRouteConfig } {
    const route = this.functionRoute('$connect');
    return route === undefined ? {} : { connectRoute: route };
  }

  /** `$connect` and `$disconnect` run functions here: a MOCK integration on them is not emulated (the gateway refuses it at start). */
  private functionRoute(routeKey: '$connect' | '$disconnect'): FunctionRouteConfig | undefined {
    const route = this.config.routes.find((r) => r.routeKey === routeKey);
    return route?.mock === undefined ? route : undefined;
  }

  /** `$disconnect` is best-effort in AWS: its result is ignored and a failure only logged. */
  private async fireDisconnect(facts: ConnectionFacts, code: number, reason: string): Promise<void> {
    const route = this.functionRoute('$disconnect');
    if (route === undefined || this.faults.losesDisconnects()) return;
    try {
      await this.config.invoker.invoke(route.functionName, disconnectEvent(this.api, facts, code, reason));
    } catch (error) {
      log(`$disconnect (${route.functionName}) failed for ${facts.connectionId}`, error);
    }
  }

  private async onRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const connectionId = matchManagementPath(request.url, this.config.stage);
      if (connectionId !== undefined) {
        await handleManagementRequest(request, response, connectionId, {
          connection: (id) => this.connections.get(id),
          faults: this.faults,
          ...(this.config.authorizeManagementCall === undefined ? {} : { authorize: this.config.authorizeManagementCall }),
        });
        return;
      }
      if (this.config.httpHandler !== undefined && (await this.config.httpHandler(request, response))) return;
      if (!response.headersSent) {
        response.writeHead(404, { 'Content-Type': 'application/json' });
        response.end('{"message":"Not Found"}');
      }
    } catch (error) {
      log(`HTTP ${request.method ?? ''} ${request.url ?? ''} failed`, error);
      if (!response.headersSent) {
        response.writeHead(500, { 'Content-Type': 'application/json' });
        response.end('{"message":"Internal server error"}');
      } else {
        response.destroy();
      }
    }
  }
}
