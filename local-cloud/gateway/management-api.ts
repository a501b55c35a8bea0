import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Connection } from './connection.js';
import { CloseCode } from './connection.js';
import { managementErrorType, sendManagementError } from './error-responses.js';
import type { GatewayFaults } from './faults.js';
import type { ManagementCall, ManagementRefusal } from './gateway-config.js';

/** PostToConnection's payload limit in AWS. */
export const MAX_POST_BYTES = 128 * 1024;

export interface ManagementApiDeps {
  /** A registered connection; the API still treats it as gone unless it is open. */
  connection(connectionId: string): Connection | undefined;
  faults: GatewayFaults;
  /** An access check (local IAM), run before anything else; a refusal is the answer. */
  authorize?: (call: ManagementCall) => ManagementRefusal | undefined;
}

/**
 * The raw connection id segment when `url` is an `@connections` call: the SDK puts the stage in
 * the path when its endpoint has one (`{endpoint}/{stage}`), so both forms are accepted.
 */
export function matchManagementPath(url: string | undefined, stage: string): string | undefined {
  const path = (url ?? '/').split('?')[0] ?? '/';
  const match = /^(?:\/([^/]+))?\/@connections\/([^/]+)\/?$/.exec(path);
  if (match?.[2] === undefined) return undefined;
  if (match[1] !== undefined && match[1] !== stage) return undefined;
  return match[2];
}

/** The access key of a SigV4 `Authorization` header (`Credential=AKID/date/region/service/aws4_request`). */
export const accessKeyOfAuthorization = (authorization: string | undefined): string | undefined =>
  /Credential=([^/]+)\//.exec(authorization ?? '')?.[1];

/**
 * One `@connections` request, start to finish: every request goes through here, and the access
 * check (`deps.authorize`: execute-api:ManageConnections) runs first, as in AWS. Signatures are
 * not verified: the access key only says who signed.
 */
export async function handleManagementRequest(request: IncomingMessage, response: ServerResponse, rawConnectionId: string, deps: ManagementApiDeps): Promise<void> {
  // The SDK reads this into $metadata.requestId, as it does from AWS.
  response.setHeader('x-amzn-RequestId', randomUUID());

  let connectionId: string;
  try {
    connectionId = decodeURIComponent(rawConnectionId);
  } catch {
    sendManagementError(response, 400, 'BadRequestException', 'Invalid connection id');
    return;
  }

  const method = request.method ?? '';
  const refusal = ['POST', 'GET', 'DELETE'].includes(method)
    ? deps.authorize?.({ accessKeyId: accessKeyOfAuthorization(request.headers.authorization), method, connectionId })
    : undefined;
  if (refusal !== undefined) {
    await drain(request);
    // IAM refusals carry `Message` (capitalised), as API Gateway's authorization layer writes it.
    const body = JSON.stringify({ Message: refusal.message });
    response.writeHead(refusal.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'x-amzn-errortype': refusal.errorType });
    response.end(body);
    return;
  }

  switch (request.method) {
    case 'POST':
      return postToConnection(request, response, connectionId, deps);
    case 'GET':
      return getConnection(request, response, connectionId, deps);
    case 'DELETE':
      return deleteConnection(request, response, connectionId, deps);
    default:
      await drain(request);
      response.setHeader('Allow', 'GET, POST, DELETE');
      sendManagementError(response, 405, 'MethodNotAllowedException', `Method ${request.method ?? ''} not allowed`);
  }
}

async function postToConnection(request: IncomingMessage, response: ServerResponse, connectionId: string, deps: ManagementApiDeps): Promise<void> {
  const body = await readBody(request, MAX_POST_BYTES);
  const injected = deps.faults.takePostFailure();
  if (injected !== undefined) {
    sendManagementError(response, injected, managementErrorType(injected), 'Injected failure');
    return;
  }
  if (body === undefined) {
    sendManagementError(response, 413, 'PayloadTooLargeException', `Request body exceeds ${MAX_POST_BYTES} bytes`);
    return;
  }
  if (deps.faults.hold(connectionId, response)) return;
  const connection = openConnection(connectionId, deps);
  if (connection === undefined) return gone(response);
  if (!deps.faults.dropsPushesTo(connectionId)) connection.send(body);
  response.writeHead(200, { 'Content-Length': 0 });
  response.end();
}

async function getConnection(request: IncomingMessage, response: ServerResponse, connectionId: string, deps: ManagementApiDeps): Promise<void> {
  await drain(request);
  const connection = openConnection(connectionId, deps);
  if (connection === undefined) return gone(response);
  const { identity, connectedAt } = connection.facts;
  // The wire names are camelCase (the SDK maps them to ConnectedAt, Identity.SourceIp, ...).
  const body = JSON.stringify({
    connectedAt: new Date(connectedAt).toISOString(),
    identity: identity.userAgent === undefined ? { sourceIp: identity.sourceIp } : { sourceIp: identity.sourceIp, userAgent: identity.userAgent },
    lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
  });
  response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

async function deleteConnection(request: IncomingMessage, response: ServerResponse, connectionId: string, deps: ManagementApiDeps): Promise<void> {
  await drain(request);
  const connection = openConnection(connectionId, deps);
  if (connection === undefined) return gone(response);
  connection.close(CloseCode.normal, '');
  response.writeHead(204);
  response.end();
}

function openConnection(connectionId: string, deps: ManagementApiDeps): Connection | undefined {
  const connection = deps.connection(connectionId);
  return connection?.isOpen() ? connection : undefined;
}

/** AWS's answer for unknown, closing and closed connections alike. */
function gone(response: ServerResponse): void {
  sendManagementError(response, 410, 'GoneException', null);
}

/** The whole body, or undefined once it exceeds `limit` (the rest is read and discarded). */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return size > limit ? undefined : Buffer.concat(chunks);
}

async function drain(request: IncomingMessage): Promise<void> {
  for await (const _chunk of request as AsyncIterable<Buffer>) {
    // discard: these operations take no body
  }
}
