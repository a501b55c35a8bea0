import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { openConnection, TooManyConnectionsError } from '../connections/connection-lifecycle.js';
import { tokenExpiryOf } from '../connections/token-expiry.js';
import { isErased } from '../erasure/start-erasure.js';
import { runtimeCheckpoint } from '../platform/checkpoints.js';
import { logger } from '../platform/observability.js';
import { callerOf } from '../runtime/caller.js';
import { livenessFromEnv, storageFromEnv } from '../runtime/instance.js';

type ConnectEvent = APIGatewayProxyWebsocketEventV2 & { requestContext: { authorizer?: Record<string, unknown> } };

/**
 * `$connect` (after the authorizer): stores the connection and subscribes it to its user's large
 * groups. A user at `maxConnectionsPerUser` gets 429: API Gateway refuses the handshake with the
 * status the integration answers.
 */
export async function handler(event: ConnectEvent, context: Context): Promise<APIGatewayProxyResultV2> {
  logger.addContext(context);
  const caller = callerOf(event.requestContext as Parameters<typeof callerOf>[0]);
  // A user being erased (or erased) stays out, whatever token they still hold: nothing of them may be written again.
  if (await isErased(storageFromEnv(), caller.userId)) {
    logger.info('connection refused: the user is erased', { connectionId: caller.connectionId });
    return { statusCode: 403 };
  }
  const tokenExpiry = tokenExpiryOf(event.requestContext.authorizer);
  try {
    await openConnection(
      livenessFromEnv(),
      { ...caller, ...(tokenExpiry !== undefined ? { tokenExpiresAt: tokenExpiry / 1000 } : {}) },
      event.requestContext.connectedAt,
      runtimeCheckpoint(),
    );
  } catch (error) {
    if (error instanceof TooManyConnectionsError) {
      logger.info('connection refused', { reason: error.message, userId: caller.userId });
      return { statusCode: 429 };
    }
    throw error;
  }
  logger.info('connected', { userId: caller.userId, deviceId: caller.deviceId, connectionId: caller.connectionId });
  return { statusCode: 200 };
}
