import { disconnectUser as disconnectUserRoute } from '@serverless-im/protocol/server-api';
import { type ConnectionCloser, disconnectUser } from '../../connections/disconnect-user.js';
import { requiredEnv } from '../../platform/env.js';
import { logger } from '../../platform/observability.js';
import { createConnectionCloser } from '../../push/connection-closer.js';
import { httpRouteHandler } from '../../runtime/http-route-handler.js';
import { storageFromEnv } from '../../runtime/instance.js';

let closer: ConnectionCloser | undefined;

/** `POST /v1/users/{id}/disconnect`: DeleteConnection for every live connection of the user. */
export const handler = httpRouteHandler(disconnectUserRoute, async ({ params }) => {
  closer ??= createConnectionCloser(requiredEnv('MANAGEMENT_API_URL'));
  const result = await disconnectUser({ storage: storageFromEnv(), closer, clock: Date.now }, params.id);
  logger.info('user disconnected', { userId: params.id, closed: result.closed });
  return result;
});
