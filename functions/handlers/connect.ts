import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { saveConnection } from '../shared/connections/connection-store.js';
import { listenOnConnect } from '../shared/groups/listen-on-connect.js';
import { callerOf } from '../shared/runtime/caller.js';
import { storageFromEnv } from '../shared/runtime/messaging-context.js';
import { logger } from '../shared/runtime/observability.js';

/**
 * `$connect` (after the authorizer): remembers which user and device this connection belongs to
 * and subscribes it to the user's large groups (read fan-out pushes go to listeners).
 */
export async function handler(event: APIGatewayProxyWebsocketEventV2, context: Context): Promise<APIGatewayProxyResultV2> {
  logger.addContext(context);
  const storage = storageFromEnv();
  const caller = callerOf(event.requestContext as Parameters<typeof callerOf>[0]);
  const connectedAt = event.requestContext.connectedAt;
  const largeGroups = await listenOnConnect(storage, caller.userId, caller.connectionId, connectedAt);
  await saveConnection(
    { db: storage.db, tableName: storage.tables.connections },
    { connectionId: caller.connectionId, userId: caller.userId, deviceId: caller.deviceId, connectedAt, ...(largeGroups.length > 0 ? { largeGroups } : {}) },
  );
  logger.info('connected', { userId: caller.userId, deviceId: caller.deviceId, connectionId: caller.connectionId });
  return { statusCode: 200 };
}
