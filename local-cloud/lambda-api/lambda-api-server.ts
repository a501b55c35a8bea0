import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FunctionError, type InvocationOptions } from '../lambda/invoker.js';
import { type FunctionAddress, FunctionAddressError, parseFunctionAddress } from './function-address.js';

/**
 * The Lambda service's `Invoke` API (REST-JSON, `POST /2015-03-31/functions/{FunctionName}/invocations`),
 * served by the local worker-thread runtime, so a function's `@aws-sdk/client-lambda` call
 * behaves as on AWS: the status codes, the `X-Amz-Function-Error` header and error payloads,
 * the error types (`ResourceNotFoundException`, `TooManyRequestsException`, ...), `Event` and
 * `DryRun` invocations. What it does not emulate is listed in docs/local-cloud.md.
 */

/** What the server invokes: the local Lambda runtime (late-bound, it starts after the server). */
export interface InvocationTarget {
  functions(): readonly { name: string; arn: string }[];
  invoke(functionName: string, event: unknown, options?: InvocationOptions): Promise<unknown>;
  inFlight(functionName: string): number;
}

/** One Invoke call, as an access check (local IAM) sees it. */
export interface LambdaCall {
  /** The access key of the request's SigV4 `Authorization` header; undefined when unsigned. */
  accessKeyId: string | undefined;
  operation: 'Invoke';
  /** The function's ARN, qualified when the caller gave a qualifier (what IAM checks). */
  resourceArn: string;
}

/** A refusal in Lambda's words: status, `x-amzn-errortype` and message. */
export interface LambdaRefusal {
  status: number;
  errorType: string;
  message: string;
}

export interface LambdaApiOptions {
  region: string;
  accountId: string;
  target: () => InvocationTarget | undefined;
  /** Reserved concurrency by function name (`ReservedConcurrentExecutions`): synchronous calls above it are throttled. */
  reservedConcurrency?: ReadonlyMap<string, number>;
  /** Checks each call before it is served (local IAM); a refusal is the answer. */
  authorize?: (call: LambdaCall) => LambdaRefusal | undefined;
  /**
   * Delays before Lambda retries a failed `Event` invocation; Lambda retries twice, after about
   * one and two minutes. Tests shorten them.
   */
  eventRetryDelaysMs?: readonly number[];
  /** Told about an `Event` invocation that failed on every attempt (the local cloud prints it). */
  onEventFailure?: (functionName: string, error: FunctionError) => void;
}

export interface RunningLambdaApi {
  endpoint: string;
  /** `Event` invocations accepted and not finished yet (running or waiting for a retry). */
  readonly pendingEvents: number;
  stop(): Promise<void>;
}

/** Lambda's payload limits (Invoke API reference). */
export const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;
export const ASYNC_PAYLOAD_LIMIT = 1024 * 1024;
const RESPONSE_LIMIT = 6_291_556;
const CLIENT_CONTEXT_LIMIT = 3583;

const INVOCATIONS_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    // Keep reading (so the answer reaches the client) but stop keeping what is over the limit.
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  return size > limit ? undefined : Buffer.concat(chunks);
}

/** Writes an answer unless the caller has gone (a client-side timeout): the function ran regardless. */
function send(response: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  if (response.destroyed || response.writableEnded) return;
  response.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  response.end(body);
}

function sendError(response: ServerResponse, requestId: string, status: number, errorType: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): void {
  send(
    response,
    status,
    { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': errorType, ...headers },
    JSON.stringify({ Type: status < 500 ? 'User' : 'Service', message, ...extra }),
  );
}

/** Errors of the platform rather than the handler carry the request id and no trace, as in Lambda. */
const PLATFORM_ERRORS = /^(Sandbox\.|Runtime\.(ExitError|InitError|UnhandledError))/;

/** The payload Lambda returns with `X-Amz-Function-Error: Unhandled`. */
export function functionErrorPayload(error: FunctionError, requestId: string): Record<string, unknown> {
  if (PLATFORM_ERRORS.test(error.errorType)) return { errorType: error.errorType, errorMessage: `RequestId: ${requestId} Error: ${error.message}` };
  return { errorType: error.errorType, errorMessage: error.message, ...(error.trace ? { trace: error.trace } : {}) };
}

function decodeClientContext(header: string | undefined): { ok: true; value: unknown } | { ok: false } {
  if (header === undefined) return { ok: true, value: undefined };
  try {
    const text = Buffer.from(header, 'base64').toString('utf8');
    if (text.length > CLIENT_CONTEXT_LIMIT) return { ok: false };
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? { ok: true, value } : { ok: false };
  } catch {
    return { ok: false };
  }
}

const accessKeyOf = (authorization: string | undefined): string | undefined => /Credential=([^/]+)\//.exec(authorization ?? '')?.[1];

export async function startLambdaApi(options: LambdaApiOptions): Promise<RunningLambdaApi> {
  const retryDelays = options.eventRetryDelaysMs ?? [60_000, 120_000];
  const retryTimers = new Set<NodeJS.Timeout>();
  let pendingEvents = 0;
  let stopped = false;

  /** Lambda's asynchronous queue: run now, retry a function error after each delay, then give up. */
  function runEvent(functionName: string, event: unknown, requestId: string, attempt = 0): void {
    const target = options.target();
    if (!target || stopped) {
      pendingEvents--;
      return;
    }
    target.invoke(functionName, event, { requestId }).then(
      () => pendingEvents--,
      (error: unknown) => {
        const failure = error instanceof FunctionError ? error : new FunctionError(functionName, 'ServiceException', String(error));
        const delay = retryDelays[attempt];
        if (delay === undefined || stopped || failure.errorType === 'ServiceException') {
          pendingEvents--;
          options.onEventFailure?.(functionName, failure);
          return;
        }
        const timer = setTimeout(() => {
          retryTimers.delete(timer);
          runEvent(functionName, event, requestId, attempt + 1);
        }, delay);
        retryTimers.add(timer);
      },
    );
  }

  async function invoke(request: IncomingMessage, response: ServerResponse, rawName: string, url: URL): Promise<void> {
    const requestId = randomUUID();
    const invocationType = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    if (!['RequestResponse', 'Event', 'DryRun'].includes(invocationType)) {
      await readBody(request, 0);
      sendError(response, requestId, 400, 'ValidationException', `1 validation error detected: Value '${invocationType}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`);
      return;
    }
    const limit = invocationType === 'Event' ? ASYNC_PAYLOAD_LIMIT : SYNC_PAYLOAD_LIMIT;
    const body = await readBody(request, limit);
    if (body === undefined) {
      sendError(response, requestId, 413, 'RequestTooLargeException', `Request must be smaller than ${limit} bytes for the InvokeFunction operation`);
      return;
    }

    let address: FunctionAddress;
    try {
      address = parseFunctionAddress(decodeURIComponent(rawName), url.searchParams.get('Qualifier') ?? undefined, options);
    } catch (error) {
      if (!(error instanceof FunctionAddressError)) throw error;
      sendError(response, requestId, error.status, error.errorType, error.message);
      return;
    }

    // IAM decides before Lambda looks the function up: an outsider learns nothing of what exists.
    const refusal = options.authorize?.({ accessKeyId: accessKeyOf(request.headers.authorization), operation: 'Invoke', resourceArn: address.resourceArn });
    if (refusal) {
      send(response, refusal.status, { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': refusal.errorType }, JSON.stringify({ Message: refusal.message }));
      return;
    }
    if (address.region !== options.region) {
      sendError(response, requestId, 404, 'ResourceNotFoundException', `Functions from '${address.region}' are not reachable in this region ('${options.region}')`);
      return;
    }
    const target = options.target();
    if (!target) {
      sendError(response, requestId, 500, 'ServiceException', 'the local Lambda runtime is not running');
      return;
    }
    const fn = target.functions().find((candidate) => candidate.arn === address.arn);
    // The local cloud publishes no versions or aliases: only $LATEST exists.
    if (!fn || (address.qualifier !== undefined && address.qualifier !== '$LATEST')) {
      sendError(response, requestId, 404, 'ResourceNotFoundException', `Function not found: ${address.resourceArn}`);
      return;
    }

    let event: unknown = {};
    const text = body.toString('utf8');
    if (text.trim().length > 0) {
      try {
        event = JSON.parse(text);
      } catch (error) {
        sendError(response, requestId, 400, 'InvalidRequestContentException', `Could not parse request body into json: Could not parse payload into json: ${(error as Error).message}`);
        return;
      }
    }

    if (invocationType === 'DryRun') {
      send(response, 204, { 'x-amzn-requestid': requestId }, '');
      return;
    }
    if (invocationType === 'Event') {
      pendingEvents++;
      runEvent(fn.name, event, requestId);
      send(response, 202, { 'x-amzn-requestid': requestId }, '');
      return;
    }

    const clientContext = decodeClientContext(request.headers['x-amz-client-context'] as string | undefined);
    if (!clientContext.ok) {
      sendError(response, requestId, 400, 'InvalidRequestContentException', 'Client context must be a valid Base64-encoded JSON object.');
      return;
    }
    const reserved = options.reservedConcurrency?.get(fn.name);
    if (reserved !== undefined && target.inFlight(fn.name) >= reserved) {
      sendError(response, requestId, 429, 'TooManyRequestsException', 'Rate Exceeded.', { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' }, { 'retry-after': '1' });
      return;
    }

    const headers = { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amz-executed-version': '$LATEST' };
    try {
      const result = await target.invoke(fn.name, event, { requestId, ...(clientContext.value !== undefined ? { clientContext: clientContext.value } : {}) });
      const payload = JSON.stringify(result ?? null);
      if (Buffer.byteLength(payload) > RESPONSE_LIMIT) {
        send(response, 200, { ...headers, 'x-amz-function-error': 'Unhandled' }, JSON.stringify({
          errorType: 'Function.ResponseSizeTooLarge',
          errorMessage: `Response payload size exceeded maximum allowed payload size (${RESPONSE_LIMIT} bytes).`,
        }));
        return;
      }
      send(response, 200, headers, payload);
    } catch (error) {
      if (!(error instanceof FunctionError) || error.errorType === 'ServiceException') {
        sendError(response, requestId, 500, 'ServiceException', error instanceof Error ? error.message : String(error));
        return;
      }
      send(response, 200, { ...headers, 'x-amz-function-error': 'Unhandled' }, JSON.stringify(functionErrorPayload(error, requestId)));
    }
  }

  const server = createServer((request, response) => {
    // A caller that gives up closes the connection; nothing is written to it after that.
    response.on('error', () => undefined);
    const url = new URL(request.url ?? '/', 'http://localhost');
    const match = INVOCATIONS_PATH.exec(url.pathname);
    void (async () => {
      if (request.method === 'POST' && match) {
        await invoke(request, response, match[1]!, url);
        return;
      }
      await readBody(request, 0);
      sendError(response, randomUUID(), 400, 'UnknownOperationException', `${request.method} ${url.pathname} is not emulated by the local Lambda API (only Invoke is)`);
    })().catch((error: unknown) => sendError(response, randomUUID(), 500, 'ServiceException', String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get pendingEvents() {
      return pendingEvents;
    },
    stop: () =>
      new Promise((resolve) => {
        stopped = true;
        for (const timer of retryTimers) clearTimeout(timer);
        retryTimers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
