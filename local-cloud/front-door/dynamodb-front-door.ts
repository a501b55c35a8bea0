import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { CapacityLedger } from './capacity-ledger.js';

/** Operations that accept `ReturnConsumedCapacity`. */
const METERED = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);

export interface DynamoDbCall {
  /** `PutItem`, `Query`, ... */
  operation: string;
  /** The access key the caller signed with: it names the function locally. */
  accessKeyId: string;
  body: Record<string, unknown>;
}

/**
 * A refusal the front door answers with instead of forwarding (IAM denials, injected faults):
 * the status and the `__type` AWS would send.
 */
export interface FrontDoorRefusal {
  status: number;
  /** `ProvisionedThroughputExceededException` (DynamoDB's namespace is added), or a full `namespace#Name`. */
  type: string;
  message: string;
}

export type CallInspector = (call: DynamoDbCall) => FrontDoorRefusal | undefined;

/**
 * Changes what the service appears to do without refusing the call (simulated index lag,
 * `index-lag.ts`): `before` runs after the inspectors allowed the call and before it is forwarded;
 * `answer` may replace a successful answer's body (return undefined to leave it).
 */
export interface CallInterceptor {
  before?(call: DynamoDbCall): Promise<void>;
  answer?(call: DynamoDbCall, answer: Record<string, unknown>): Record<string, unknown> | undefined;
}

/** Rewrites request and response bodies as text (e.g. DynamoDB Local's ARNs to the stack's: `streams/stream-arns.ts`). */
export interface BodyRewrite {
  request(body: string): string;
  response(body: string): string;
}

export interface RunningFrontDoor {
  endpoint: string;
  ledger: CapacityLedger;
  /** Inspectors run in order before a call is forwarded; the first refusal wins. */
  inspectors: CallInspector[];
  /** Applied in order after the inspectors (requests) and before the caller sees an answer (responses). */
  rewrites: BodyRewrite[];
  /** Run in order after the inspectors and the rewrites of the request (a test adds and removes them). */
  interceptors: CallInterceptor[];
  stop(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const accessKeyOf = (authorization: string | undefined): string => /Credential=([^/]+)\//.exec(authorization ?? '')?.[1] ?? 'anonymous';

interface Consumed {
  TableName?: string;
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

/**
 * Sits between the local functions and DynamoDB, the way the AWS endpoint sits between a Lambda
 * and the service: it asks DynamoDB for the consumed capacity of every call (the ledger behind
 * the cost figures), and lets the local cloud refuse calls before they reach storage (IAM and
 * fault injection). Callers see DynamoDB's answers unchanged.
 */
export async function startDynamoDbFrontDoor(target: string, accessKeyNames: ReadonlyMap<string, string> = new Map()): Promise<RunningFrontDoor> {
  const ledger = new CapacityLedger();
  const inspectors: CallInspector[] = [];
  const rewrites: BodyRewrite[] = [];
  const interceptors: CallInterceptor[] = [];
  const rewrite = (body: Buffer, direction: 'request' | 'response'): Buffer =>
    rewrites.length === 0 ? body : Buffer.from(rewrites.reduce((text, r) => r[direction](text), body.toString('utf8')));
  const upstream = new URL(target);

  const respond = (response: ServerResponse, status: number, headers: Record<string, string>, body: Buffer): void => {
    response.writeHead(status, { ...headers, 'content-length': String(body.length), 'x-amz-crc32': String(crc32(body)) });
    response.end(body);
  };

  const server = createServer((request, response) => {
    void (async () => {
      const raw = await readBody(request);
      const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const accessKeyId = accessKeyOf(request.headers.authorization);
      let body: Record<string, unknown> = {};
      try {
        body = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        // Let DynamoDB answer malformed input itself.
      }
      for (const inspect of inspectors) {
        const refusal = inspect({ operation, accessKeyId, body });
        if (refusal) {
          const type = refusal.type.includes('#') ? refusal.type : `com.amazonaws.dynamodb.v20120810#${refusal.type}`;
          const errorBody = Buffer.from(JSON.stringify({ __type: type, message: refusal.message }));
          respond(response, refusal.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type.split('#')[1]! }, errorBody);
          return;
        }
      }
      for (const interceptor of interceptors) await interceptor.before?.({ operation, accessKeyId, body });
      const metered = METERED.has(operation);
      const callerAsked = body.ReturnConsumedCapacity !== undefined && body.ReturnConsumedCapacity !== 'NONE';
      const forwarded = rewrite(metered && !callerAsked ? Buffer.from(JSON.stringify({ ...body, ReturnConsumedCapacity: 'TOTAL' })) : raw, 'request');
      const headers = { ...request.headers, host: upstream.host, 'content-length': String(forwarded.length) };
      const upstreamResponse = await new Promise<IncomingMessage>((resolve, reject) => {
        const outgoing = httpRequest({ host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers }, resolve);
        outgoing.on('error', reject);
        outgoing.end(forwarded);
      });
      const answer = await readBody(upstreamResponse);
      let answerBody = answer;
      if (metered && upstreamResponse.statusCode === 200) {
        const parsed = JSON.parse(answer.toString('utf8')) as { ConsumedCapacity?: Consumed | Consumed[] };
        const consumed = parsed.ConsumedCapacity === undefined ? [] : Array.isArray(parsed.ConsumedCapacity) ? parsed.ConsumedCapacity : [parsed.ConsumedCapacity];
        for (const entry of consumed) {
          const read = entry.ReadCapacityUnits ?? (isWrite(operation) ? 0 : (entry.CapacityUnits ?? 0));
          const write = entry.WriteCapacityUnits ?? (isWrite(operation) ? (entry.CapacityUnits ?? 0) : 0);
          ledger.record({ caller: accessKeyNames.get(accessKeyId) ?? accessKeyId, operation, table: entry.TableName ?? '', read, write });
        }
        let changed: Record<string, unknown> = parsed;
        for (const interceptor of interceptors) changed = interceptor.answer?.({ operation, accessKeyId, body }, changed) ?? changed;
        if (!callerAsked) delete changed.ConsumedCapacity;
        if (!callerAsked || changed !== parsed) answerBody = Buffer.from(JSON.stringify(changed));
      } else if (isWrite(operation) && /ConditionalCheckFailed|TransactionCanceled/.test(answer.toString('utf8'))) {
        // A refused conditional write is still billed, but DynamoDB reports no capacity with
        // the error. Our conditional writes touch items under 1 KB: count one unit.
        ledger.record({ caller: accessKeyNames.get(accessKeyId) ?? accessKeyId, operation: `${operation} (condition failed)`, table: String(body.TableName ?? ''), read: 0, write: 1 });
      }
      const passHeaders: Record<string, string> = {};
      for (const [name, value] of Object.entries(upstreamResponse.headers)) {
        if (typeof value === 'string' && !['content-length', 'x-amz-crc32', 'connection', 'transfer-encoding'].includes(name)) passHeaders[name] = value;
      }
      respond(response, upstreamResponse.statusCode ?? 500, passHeaders, rewrite(answerBody, 'response'));
    })().catch((error: unknown) => {
      if (!response.headersSent) {
        const errorBody = Buffer.from(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: String(error) }));
        respond(response, 500, { 'content-type': 'application/x-amz-json-1.0' }, errorBody);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    ledger,
    inspectors,
    rewrites,
    interceptors,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const isWrite = (operation: string): boolean => ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'].includes(operation);
