import { createGroup as createGroupRoute } from '@serverless-im/protocol/server-api';
import { runtimeCheckpoint } from '../../platform/checkpoints.js';
import { httpRouteHandler } from '../../runtime/http-route-handler.js';
import { createGroupOnce } from '../../server-api/create-group-once.js';
import { membershipDeps } from './membership-deps.js';

/** `POST /v1/groups`: `createGroup` with `owner` as its creator; once per `clientRequestId`. */
export const handler = httpRouteHandler(createGroupRoute, ({ body }) => createGroupOnce({ ...membershipDeps(), checkpoint: runtimeCheckpoint() }, body));
