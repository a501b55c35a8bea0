import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventBusSpec } from '../template/read-event-buses.js';
import { EventLog } from './event-log.js';
import { busArnOf, busReference, putEvents, type PutEventsRequestEntry } from './put-events.js';

/**
 * The local EventBridge: `PutEvents` over the JSON 1.1 protocol (`X-Amz-Target:
 * AWSEvents.PutEvents`) that `@aws-sdk/client-eventbridge` speaks, so functions reach it with the
 * real client through `AWS_ENDPOINT_URL_EVENTBRIDGE`. Accepted events go to the event log.
 * Binds to 127.0.0.1 only: like the other local services it does not verify signatures.
 */

/** One PutEvents call, as an access check (local IAM) sees it. */
export interface PutEventsCall {
  /** The access key of the request's SigV4 `Authorization` header; undefined when unsigned. */
  accessKeyId: string | undefined;
  /** The ARN of the bus each entry names (`events:PutEvents` is checked on every one). */
  eventBusArns: string[];
}

/** A refusal: the status and `__type` EventBridge answers with, and its message. */
export interface EventBridgeRefusal {
  status: number;
  type: string;
  message: string;
}

export interface EventBridgeOptions {
  region: string;
  accountId: string;
  buses: readonly EventBusSpec[];
  /** Checks each call before it is served (local IAM); a refusal is the answer. */
  authorize?: (call: PutEventsCall) => EventBridgeRefusal | undefined;
}

export interface RunningEventBridge {
  endpoint: string;
  events: EventLog;
  stop(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function reply(response: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  response.end(text);
}

const refuse = (response: ServerResponse, status: number, type: string, message: string): void => reply(response, status, { __type: type, message }, type);

export async function startEventBridge(options: EventBridgeOptions): Promise<RunningEventBridge> {
  const events = new EventLog();
  const account = { region: options.region, accountId: options.accountId };
  const server = createServer((request, response) => {
    void (async () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const raw = await readBody(request);
      if (target !== 'AWSEvents.PutEvents') {
        return refuse(response, 400, 'UnknownOperationException', `${target || 'this operation'} is not emulated locally (PutEvents is)`);
      }
      let body: { Entries?: unknown; EndpointId?: unknown };
      try {
        body = raw === '' ? {} : (JSON.parse(raw) as typeof body);
      } catch {
        return refuse(response, 400, 'SerializationException', 'Start of structure or map found where not expected.');
      }
      const entries = Array.isArray(body.Entries) ? (body.Entries as PutEventsRequestEntry[]) : [];
      const accessKeyId = /Credential=([^/]+)\//.exec(request.headers.authorization ?? '')?.[1];
      const refusal = options.authorize?.({ accessKeyId, eventBusArns: [...new Set(entries.map((entry) => busArnOf(busReference(entry ?? {}), account)))] });
      if (refusal) return refuse(response, refusal.status, refusal.type, refusal.message);
      const outcome = putEvents(body, { ...account, buses: options.buses });
      if (!outcome.ok) return refuse(response, 400, outcome.type, outcome.message);
      for (const accepted of outcome.accepted) events.record(accepted);
      reply(response, 200, outcome.result);
    })().catch((error: unknown) => {
      if (!response.headersSent) refuse(response, 500, 'InternalException', String(error));
      else response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    events,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
