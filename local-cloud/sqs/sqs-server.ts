/**
 * Starts the local SQS (npm `local-aws-sqs`) for the local cloud and for tests.
 *
 * We build the HTTP server ourselves around the emulator's request handler instead of
 * calling `createSqsServer`, because that helper registers no 'error' listener (a failed
 * listen would crash the process instead of rejecting) and gives no access to the service,
 * which the emulator gap-fillers need (long polling, FIFO semantics, visibility changes).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequestHandler } from 'local-aws-sqs';
import { applyAwsFifoSemantics } from './emulator-fifo.js';
import { applyAwsLongPolling } from './emulator-long-poll.js';
import { applyAwsVisibilityChanges } from './emulator-visibility.js';

export const LOCAL_SQS_REGION = 'us-east-1';
export const LOCAL_SQS_ACCOUNT_ID = '123456789012';

/** Loopback only: the local cloud must never be reachable from the network. */
const LOOPBACK = '127.0.0.1';

export interface SqsServer {
  /** `http://127.0.0.1:<port>`: pass it as `endpoint` to SQSClient or as AWS_ENDPOINT_URL_SQS. */
  endpoint: string;
  /** Closes the listener and every open connection (including pending long polls). */
  stop(): Promise<void>;
}

export async function startSqsServer(): Promise<SqsServer> {
  const { service, requestHandler } = createRequestHandler({
    port: 0,
    hostname: LOOPBACK,
    region: LOCAL_SQS_REGION,
    accountId: LOCAL_SQS_ACCOUNT_ID,
    // Tests delete and recreate queues with the same name; AWS would make them wait 60 s.
    emulateQueueCreationLifecycle: false,
  });
  let closed = false;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    applyAwsLongPolling(service, () => closed);
    applyAwsFifoSemantics(service);
    applyAwsVisibilityChanges(service);
    requestHandler(req, res).catch((error: unknown) => {
      // The emulator answers its own errors; this is the last resort so a bug in it turns
      // into a 500 for the caller rather than an unhandled rejection in the local cloud.
      if (!res.headersSent) res.statusCode = 500;
      res.end(String(error));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const { port } = server.address() as AddressInfo;
  // Queue URLs are built from the service's port, which is 0 until we know the real one.
  service.PORT = port;

  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    stop: () => {
      stopping ??= new Promise<void>((resolve, reject) => {
        closed = true;
        server.close((error) => {
          service.resetAll(); // clears the emulator's message timers
          if (error) reject(error);
          else resolve();
        });
        // close() alone would wait for keep-alive sockets and open long polls to end.
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}
