import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** The errors API Gateway shows clients, byte for byte where we know the bytes. */

/**
 * The frame API Gateway sends to a connection when no route matches (`Forbidden`) or the
 * integration fails (`Internal server error`); the odd spacing is AWS's own.
 */
export function errorFrame(message: 'Forbidden' | 'Internal server error', connectionId: string, requestId: string): string {
  return `{"message": ${JSON.stringify(message)}, "connectionId":${JSON.stringify(connectionId)}, "requestId":${JSON.stringify(requestId)}}`;
}

const HANDSHAKE_BODIES: Record<number, string> = {
  401: '{"message":"Unauthorized"}',
  403: '{"message":"Forbidden"}',
  500: '{"message": "Internal server error"}',
};

/** Answers an upgrade request with a plain HTTP error, so the client's handshake fails with that status. */
export function refuseHandshake(socket: Duplex, status: number): void {
  if (socket.destroyed) return;
  const body = HANDSHAKE_BODIES[status] ?? '';
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

/**
 * A management API error the AWS SDK maps to its modeled exception: the SDK reads the type from
 * `x-amzn-errortype` (e.g. `GoneException`) and the message from the JSON body.
 */
export function sendManagementError(response: ServerResponse, status: number, errorType: string, message: string | null): void {
  const body = JSON.stringify({ message });
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-errortype': errorType,
  });
  response.end(body);
}

/** Error type the SDK models for a status, for injected failures. */
export function managementErrorType(status: number): string {
  switch (status) {
    case 403:
      return 'ForbiddenException';
    case 410:
      return 'GoneException';
    case 413:
      return 'PayloadTooLargeException';
    case 429:
      return 'LimitExceededException';
    default:
      return status >= 500 ? 'InternalServerErrorException' : 'BadRequestException';
  }
}
