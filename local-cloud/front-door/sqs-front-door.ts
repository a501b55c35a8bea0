import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Sits between the local functions and SQS, as the DynamoDB front door does for DynamoDB: every
 * call a function makes passes the inspectors (local IAM) before it reaches the queue. Callers
 * see SQS's answers unchanged, except that queue URLs name the front door.
 *
 * Queue URLs have to: the SDK sends a call to the host of its `QueueUrl` when that differs from
 * its endpoint, so a function given the emulator's URLs would bypass the front door. Functions
 * therefore get front door URLs for the stack's queues (`exposeQueue`), and the front door
 * rewrites them to the emulator's on the way in and back on the way out. The event-source
 * mappings (the Lambda service's pollers, not the function) keep talking to SQS directly.
 *
 * Both SQS protocols are understood: JSON (`X-Amz-Target: AmazonSQS.SendMessage`, what the AWS
 * SDK for JavaScript v3 speaks) and the older query protocol (`Action=SendMessage`, form encoded).
 */

export interface SqsCall {
  /** `SendMessage`, `ReceiveMessage`, ... */
  operation: string;
  /** The access key the caller signed with: it names the function locally. */
  accessKeyId: string;
  /** The request's parameters (the JSON body, or the form fields of the query protocol), queue URLs as the caller sent them. */
  body: Record<string, unknown>;
}

/** A refusal the front door answers with instead of forwarding, in SQS's words. */
export interface SqsRefusal {
  status: number;
  /** The query-protocol error code, e.g. `AccessDenied` (what the SDK names the error). */
  code: string;
  /** The JSON protocol's `__type`, e.g. `com.amazon.coral.service#AccessDeniedException`. */
  type: string;
  message: string;
}

export type SqsCallInspector = (call: SqsCall) => SqsRefusal | undefined;

export interface RunningSqsFrontDoor {
  endpoint: string;
  /** Inspectors run in order before a call is forwarded; the first refusal wins. */
  inspectors: SqsCallInspector[];
  /** The URL functions are given for a queue that SQS created at `upstreamUrl`. */
  exposeQueue(upstreamUrl: string): string;
  stop(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const accessKeyOf = (authorization: string | undefined): string => /Credential=([^/]+)\//.exec(authorization ?? '')?.[1] ?? 'anonymous';

/** Operations whose answers contain queue URLs. */
const NAMES_QUEUE_URLS = new Set(['GetQueueUrl', 'CreateQueue', 'ListQueues', 'ListDeadLetterSourceQueues']);

const escapeXml = (text: string): string => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

export async function startSqsFrontDoor(target: string): Promise<RunningSqsFrontDoor> {
  const inspectors: SqsCallInspector[] = [];
  const upstream = new URL(target);
  let origin = '';
  /** front door URL -> SQS URL, for the queues given to functions. */
  const toUpstream = new Map<string, string>();
  const toFront = new Map<string, string>();

  const upstreamUrlOf = (url: string): string => {
    const known = toUpstream.get(url);
    if (known !== undefined) return known;
    // A queue the local cloud did not expose (created at run time): same path on SQS.
    return url.startsWith(`${origin}/`) ? `${upstream.origin}${url.slice(origin.length)}` : url;
  };
  const frontUrlsIn = (text: string): string => {
    let result = text;
    for (const [upstreamUrl, frontUrl] of toFront) result = result.split(upstreamUrl).join(frontUrl);
    return result.split(`${upstream.origin}/`).join(`${origin}/`);
  };

  const server = createServer((request, response) => {
    void (async () => {
      const raw = await readBody(request);
      const target = String(request.headers['x-amz-target'] ?? '');
      const json = target.startsWith('AmazonSQS.');
      let body: Record<string, unknown> = {};
      let form: URLSearchParams | undefined;
      if (json) {
        try {
          body = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
        } catch {
          // Let SQS answer malformed input itself.
        }
      } else {
        form = new URLSearchParams(raw.toString('utf8'));
        const query = new URLSearchParams(request.url?.split('?')[1] ?? '');
        body = { ...Object.fromEntries(query), ...Object.fromEntries(form) };
      }
      const operation = json ? target.slice('AmazonSQS.'.length) : String(body.Action ?? '');
      const accessKeyId = accessKeyOf(request.headers.authorization);

      for (const inspect of inspectors) {
        const refusal = inspect({ operation, accessKeyId, body });
        if (refusal) return refuse(response, refusal, json);
      }

      let forwarded = raw;
      if (typeof body.QueueUrl === 'string') {
        const queueUrl = upstreamUrlOf(body.QueueUrl);
        if (queueUrl !== body.QueueUrl) {
          if (form?.has('QueueUrl')) {
            form.set('QueueUrl', queueUrl);
            forwarded = Buffer.from(form.toString());
          } else if (!form) {
            forwarded = Buffer.from(JSON.stringify({ ...body, QueueUrl: queueUrl }));
          }
        }
      }
      const headers = { ...request.headers, host: upstream.host, 'content-length': String(forwarded.length) };
      const upstreamResponse = await new Promise<IncomingMessage>((resolve, reject) => {
        const outgoing = httpRequest(
          { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers },
          resolve,
        );
        outgoing.on('error', reject);
        outgoing.end(forwarded);
      });
      const upstreamAnswer = await readBody(upstreamResponse);
      // Only the answers that carry queue URLs are rewritten (never message bodies).
      const answer = NAMES_QUEUE_URLS.has(operation) ? Buffer.from(frontUrlsIn(upstreamAnswer.toString('utf8'))) : upstreamAnswer;
      const passHeaders: Record<string, string> = {};
      for (const [name, value] of Object.entries(upstreamResponse.headers)) {
        if (typeof value === 'string' && !['content-length', 'connection', 'transfer-encoding', 'keep-alive'].includes(name)) passHeaders[name] = value;
      }
      response.writeHead(upstreamResponse.statusCode ?? 500, { ...passHeaders, 'content-length': String(answer.length) });
      response.end(answer);
    })().catch((error: unknown) => {
      if (!response.headersSent) refuse(response, { status: 500, code: 'InternalFailure', type: 'com.amazonaws.sqs#InternalFailure', message: String(error) }, true);
      else response.destroy();
    });
  });

  function refuse(response: ServerResponse, refusal: SqsRefusal, json: boolean): void {
    const requestId = randomUUID();
    const sender = refusal.status < 500 ? 'Sender' : 'Receiver';
    const body = json
      ? JSON.stringify({ __type: refusal.type, Message: refusal.message })
      : `<?xml version="1.0"?><ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>${sender}</Type><Code>${escapeXml(refusal.code)}</Code><Message>${escapeXml(refusal.message)}</Message><Detail/></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
    response.writeHead(refusal.status, {
      'content-type': json ? 'application/x-amz-json-1.0' : 'text/xml',
      'content-length': String(Buffer.byteLength(body)),
      'x-amzn-requestid': requestId,
      // The JSON protocol keeps the query protocol's error code here; the SDK names the error after it.
      ...(json ? { 'x-amzn-query-error': `${refusal.code};${sender}` } : {}),
    });
    response.end(body);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    endpoint: origin,
    inspectors,
    exposeQueue(upstreamUrl) {
      const frontUrl = `${origin}${new URL(upstreamUrl).pathname}`;
      toUpstream.set(frontUrl, upstreamUrl);
      toFront.set(upstreamUrl, frontUrl);
      return frontUrl;
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
