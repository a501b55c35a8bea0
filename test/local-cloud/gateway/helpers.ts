import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { AWS_GATEWAY_LIMITS, type GatewayConfig, type GatewayLimits, type RouteConfig } from '../../../local-cloud/gateway/gateway-config.js';
import { WebSocketGateway } from '../../../local-cloud/gateway/websocket-gateway.js';
import { FunctionError, type FunctionInvoker } from '../../../local-cloud/lambda/invoker.js';

// Events are checked field by field against AWS fixtures; loose typing keeps those tests readable.
export type AnyEvent = any;

export type FakeHandler = (event: AnyEvent) => unknown;

/** Generous: these bound waiting for something that should happen, never how fast it happens. */
export const WAIT_MS = 10_000;

export async function waitUntil<T>(probe: () => T | undefined, what: string, timeoutMs = WAIT_MS): Promise<T> {
  let value: T | undefined;
  await expect
    .poll(
      () => {
        value = probe();
        return value !== undefined;
      },
      { timeout: timeoutMs, interval: 5, message: `waiting for ${what}` },
    )
    .toBe(true);
  return value as T;
}

/** A FunctionInvoker over plain functions that records every event; errors become FunctionErrors as in the Lambda runtime. */
export class FakeInvoker implements FunctionInvoker {
  readonly calls: { functionName: string; event: AnyEvent }[] = [];
  private readonly handlers = new Map<string, FakeHandler>();

  constructor(handlers: Record<string, FakeHandler> = {}) {
    for (const [name, handler] of Object.entries(handlers)) this.handlers.set(name, handler);
  }

  on(functionName: string, handler: FakeHandler): this {
    this.handlers.set(functionName, handler);
    return this;
  }

  async invoke(functionName: string, event: unknown): Promise<unknown> {
    this.calls.push({ functionName, event });
    const handler = this.handlers.get(functionName);
    if (handler === undefined) return undefined;
    try {
      return await handler(event);
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      throw new FunctionError(functionName, err.name, err.message);
    }
  }

  eventsOf(functionName: string): AnyEvent[] {
    return this.calls.filter((call) => call.functionName === functionName).map((call) => call.event);
  }

  waitForEvent(functionName: string, predicate: (event: AnyEvent) => boolean = () => true): Promise<AnyEvent> {
    return waitUntil(() => this.eventsOf(functionName).find(predicate), `an event for ${functionName}`);
  }
}

export const STANDARD_ROUTES: RouteConfig[] = [
  { routeKey: '$connect', functionName: 'connectFn', twoWay: false },
  { routeKey: '$disconnect', functionName: 'disconnectFn', twoWay: false },
  { routeKey: '$default', functionName: 'defaultFn', twoWay: true },
  { routeKey: 'echo', functionName: 'echoFn', twoWay: true },
  { routeKey: 'oneWay', functionName: 'oneWayFn', twoWay: false },
];

export interface TestGatewayOptions extends Partial<Omit<GatewayConfig, 'limits'>> {
  limits?: Partial<GatewayLimits>;
}

/** Tracks what a test opened so afterEach can close it all. */
export class TestResources {
  private readonly gateways: WebSocketGateway[] = [];
  private readonly sockets: WebSocket[] = [];
  private readonly clients: ApiGatewayManagementApiClient[] = [];

  async gateway(options: TestGatewayOptions = {}): Promise<{ gateway: WebSocketGateway; invoker: FakeInvoker }> {
    const invoker = options.invoker instanceof FakeInvoker ? options.invoker : new FakeInvoker();
    const { limits, ...rest } = options;
    const gateway = await WebSocketGateway.start({
      port: 0,
      apiId: 'testapi123',
      stage: 'local',
      region: 'us-east-1',
      accountId: '123456789012',
      routeSelectionExpression: '$request.body.action',
      routes: STANDARD_ROUTES,
      ...rest,
      invoker,
      limits: { ...AWS_GATEWAY_LIMITS, ...limits },
    });
    this.gateways.push(gateway);
    return { gateway, invoker };
  }

  /** A client socket with its messages and close recorded from the start. */
  client(url: string, options?: WebSocket.ClientOptions, protocols?: string[]): TestClient {
    const client = new TestClient(url, options, protocols);
    this.sockets.push(client.ws);
    return client;
  }

  managementClient(gateway: WebSocketGateway, endpoint = gateway.managementEndpoint, maxAttempts = 1): ApiGatewayManagementApiClient {
    const client = new ApiGatewayManagementApiClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      maxAttempts,
    });
    this.clients.push(client);
    return client;
  }

  async cleanup(): Promise<void> {
    for (const socket of this.sockets.splice(0)) socket.terminate();
    for (const client of this.clients.splice(0)) client.destroy();
    await Promise.all(this.gateways.splice(0).map((gateway) => gateway.stop()));
  }
}

export interface CloseInfo {
  code: number;
  reason: string;
}

export class TestClient {
  readonly ws: WebSocket;
  readonly messages: string[] = [];
  readonly opened: Promise<void>;
  /** The handshake refusal's HTTP status, if the server refused. */
  readonly refused: Promise<number>;
  readonly closed: Promise<CloseInfo>;

  constructor(url: string, options?: WebSocket.ClientOptions, protocols?: string[]) {
    this.ws = protocols === undefined ? new WebSocket(url, options) : new WebSocket(url, protocols, options);
    this.ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      this.messages.push(isBinary ? '<binary>' : Buffer.isBuffer(data) ? data.toString('utf8') : String(data));
    });
    // ws emits 'error' after refusals and resets; the outcomes are observed via the promises.
    this.ws.on('error', () => {});
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('close', () => reject(new Error('closed before open')));
    });
    this.refused = new Promise((resolve) => {
      this.ws.once('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
        response.resume();
        this.ws.terminate();
      });
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString('utf8') })));
    // Nobody awaits `opened` in refusal tests.
    this.opened.catch(() => {});
  }

  send(text: string): void {
    this.ws.send(text);
  }

  nextMessage(index = this.messages.length): Promise<string> {
    return waitUntil(() => this.messages[index], `message #${index}`);
  }

  waitForMessage(predicate: (message: string) => boolean): Promise<string> {
    return waitUntil(() => this.messages.find(predicate), 'a matching message');
  }
}
