import { addGroupMembers } from '@serverless-im/protocol/server-api';
import { httpRouteHandler } from '../../runtime/http-route-handler.js';
import { addMembersAsOwner } from '../../server-api/group-admin.js';
import { membershipDeps } from './membership-deps.js';

/** `POST /v1/groups/{id}/members`: `addMembers` on behalf of the owner. */
export const handler = httpRouteHandler(addGroupMembers, ({ params, body }) => addMembersAsOwner(membershipDeps(), params.id, body.members));
