import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { openConnection } from '../connections/connection-lifecycle.js';
import { isErased } from '../erasure/start-erasure.js';
import { runtimeCheckpoint } from '../platform/checkpoints.js';
import { logger } from '../platform/observability.js';
import { callerOf } from '../runtime/caller.js';
import { storageFromEnv } from '../runtime/instance.js';

/** `$connect` (after the authorizer): stores the connection and subscribes it to its user's large groups. */
export async function handler(event: APIGatewayProxyWebsocketEventV2, context: Context): Promise<APIGatewayProxyResultV2> {
  logger.addContext(context);
  const caller = callerOf(event.requestContext as Parameters<typeof callerOf>[0]);
  // A user being erased (or erased) stays out, whatever token they still hold: nothing of them may be written again.
  if (await isErased(storageFromEnv(), caller.userId)) {
    logger.info('connection refused: the user is erased', { connectionId: caller.connectionId });
    return { statusCode: 403 };
  }
  await openConnection(storageFromEnv(), caller, event.requestContext.connectedAt, runtimeCheckpoint());
  logger.info('connected', { userId: caller.userId, deviceId: caller.deviceId, connectionId: caller.connectionId });
  return { statusCode: 200 };
}
