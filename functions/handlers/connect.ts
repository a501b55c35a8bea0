import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { saveConnection } from '../shared/connections/connection-store.js';
import { callerOf } from '../shared/runtime/caller.js';
import { dynamoDb } from '../shared/runtime/aws-clients.js';
import { requiredEnv } from '../shared/runtime/env.js';
import { logger } from '../shared/runtime/observability.js';

const tableName = requiredEnv('CONNECTIONS_TABLE');

/** `$connect` (after the authorizer): remembers which user and device this connection belongs to. */
export async function handler(event: APIGatewayProxyWebsocketEventV2, context: Context): Promise<APIGatewayProxyResultV2> {
  logger.addContext(context);
  const caller = callerOf(event.requestContext as Parameters<typeof callerOf>[0]);
  await saveConnection(
    { db: dynamoDb(), tableName },
    {
      connectionId: caller.connectionId,
      userId: caller.userId,
      deviceId: caller.deviceId,
      connectedAt: event.requestContext.connectedAt,
    },
  );
  logger.info('connected', { userId: caller.userId, deviceId: caller.deviceId, connectionId: caller.connectionId });
  return { statusCode: 200 };
}
