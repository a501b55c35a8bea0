import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { removeConnection } from '../shared/connections/connection-store.js';
import { stopListening } from '../shared/groups/listen-on-connect.js';
import { callerOf } from '../shared/runtime/caller.js';
import { storageFromEnv } from '../shared/runtime/messaging-context.js';
import { logger } from '../shared/runtime/observability.js';
import { recordLastSeen } from '../shared/timeline/timeline-store.js';

/**
 * `$disconnect`: forgets the connection and remembers when the user was last seen. AWS delivers
 * it on a best-effort basis, so connection records also expire on their own.
 */
export async function handler(event: APIGatewayProxyWebsocketEventV2, context: Context): Promise<APIGatewayProxyResultV2> {
  logger.addContext(context);
  const storage = storageFromEnv();
  const caller = callerOf(event.requestContext as Parameters<typeof callerOf>[0]);
  const [removed] = await Promise.all([
    removeConnection({ db: storage.db, tableName: storage.tables.connections }, caller.connectionId),
    recordLastSeen(storage, caller.userId, Date.now()),
  ]);
  if (removed?.largeGroups) await stopListening(storage, caller.connectionId, removed.largeGroups);
  logger.info('disconnected', { userId: caller.userId, connectionId: caller.connectionId });
  return { statusCode: 200 };
}
