import { removeGroupMember } from '@serverless-im/protocol/server-api';
import { httpRouteHandler } from '../../runtime/http-route-handler.js';
import { removeMemberAsOwner } from '../../server-api/group-admin.js';
import { membershipDeps } from './membership-deps.js';

/** `DELETE /v1/groups/{id}/members/{userId}`: `removeMembers` on behalf of the owner (or the owner leaving). */
export const handler = httpRouteHandler(removeGroupMember, ({ params }) => removeMemberAsOwner(membershipDeps(), params.id, params.userId));
