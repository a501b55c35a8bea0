import { createGroup as createGroupRoute } from '@serverless-im/protocol/server-api';
import { createGroup } from '../../membership/change-membership.js';
import { httpRouteHandler } from '../../runtime/http-route-handler.js';
import { membershipDeps } from './membership-deps.js';

/** `POST /v1/groups`: `createGroup` with `owner` as its creator. */
export const handler = httpRouteHandler(createGroupRoute, ({ body }) => createGroup(membershipDeps(), body.owner, body.title, body.members));
