import { erasureStatus } from '@serverless-im/protocol/server-api';
import { erasureProgress } from '../../erasure/start-erasure.js';
import { httpRouteHandler } from '../../runtime/http-route-handler.js';
import { storageFromEnv } from '../../runtime/instance.js';

/** `GET /v1/users/{id}/erasure`: the erasure record, found by the user id's hash. */
export const handler = httpRouteHandler(erasureStatus, ({ params }) => erasureProgress(storageFromEnv(), params.id));
