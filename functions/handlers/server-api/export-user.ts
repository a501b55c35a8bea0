import { exportUser as exportUserRoute } from '@serverless-im/protocol/server-api';
import { httpRouteHandler } from '../../runtime/http-route-handler.js';
import { storageFromEnv } from '../../runtime/instance.js';
import { exportUser } from '../../server-api/export-user.js';

/** `GET /v1/users/{id}/export`: everything stored about the user, as one JSON document (read-only). */
export const handler = httpRouteHandler(exportUserRoute, ({ params }) => exportUser(storageFromEnv(), params.id, Date.now()));
