import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { closeConnection } from '../connections/connection-lifecycle.js';
import { logger } from '../platform/observability.js';
import { callerOf } from '../runtime/caller.js';
import { storageFromEnv } from '../runtime/instance.js';

/** `$disconnect`: forgets the connection and remembers when the user was last seen. */
export async function handler(event: APIGatewayProxyWebsocketEventV2, context: Context): Promise<APIGatewayProxyResultV2> {
  logger.addContext(context);
  const caller = callerOf(event.requestContext as Parameters<typeof callerOf>[0]);
  await closeConnection(storageFromEnv(), caller, Date.now());
  logger.info('disconnected', { userId: caller.userId, connectionId: caller.connectionId });
  return { statusCode: 200 };
}
