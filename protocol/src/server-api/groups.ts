import * as z from 'zod/mini';
import { membersChangedResult } from '../actions/add-members.js';
import { createGroupResult } from '../actions/create-group.js';
import { MAX_GROUP_TITLE_CHARS, MAX_MEMBER_LIST } from '../limits.js';
import { conversationIdSchema, userIdSchema } from '../schemas/identifiers.js';
import { defineRoute, none } from './route.js';

const members = z.array(userIdSchema).check(z.minLength(1), z.maxLength(MAX_MEMBER_LIST));

/** `POST /v1/groups`: `createGroup` for `owner`, who is its creator in every member's timeline. */
export const createGroup = defineRoute({
  operationId: 'createGroup',
  method: 'POST',
  path: '/v1/groups',
  summary: 'Create a group owned by a user',
  description:
    'Creates a group of `owner` and `members`, as if `owner` had sent `createGroup`: every member gets the `groupCreated` system event. At most 100 members per request (TOO_LARGE `tooManyMembers`); add more with the members route. With `clientRequestId`, idempotent per (`owner`, `clientRequestId`): a retry, also one after a lost reply or a crash mid-way, and the same request twice at once create one group and answer its `conversationId` (the first request\'s title and members count; the id is remembered 30 days). Without it, a retry creates a second group.',
  params: none,
  query: none,
  body: z.strictObject({
    title: z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_GROUP_TITLE_CHARS)),
    owner: userIdSchema,
    members: z.array(userIdSchema).check(z.maxLength(MAX_MEMBER_LIST)),
    /** Makes the request idempotent: 1-64 chars of [A-Za-z0-9_.:-], unique per owner and group. */
    clientRequestId: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 chars of [A-Za-z0-9_.:-]'))),
  }),
  reply: createGroupResult,
  errors: ['BAD_REQUEST', 'TOO_LARGE', 'INTERNAL'],
});

/** `POST /v1/groups/{id}/members`: `addMembers` on behalf of the group's owner. */
export const addGroupMembers = defineRoute({
  operationId: 'addGroupMembers',
  method: 'POST',
  path: '/v1/groups/{id}/members',
  summary: 'Add members to a group',
  description:
    "Adds `members` on behalf of the group's owner (the `by` of the `membersAdded` event). Idempotent: members already in are left as they are. The reply is the `addMembers` reply: the member list (for a large group, the users this call added) and the member count.",
  params: z.strictObject({ id: conversationIdSchema }),
  query: none,
  body: z.strictObject({ members }),
  reply: membersChangedResult,
  errors: ['BAD_REQUEST', 'TOO_LARGE', 'NOT_FOUND', 'INTERNAL'],
});

/** `DELETE /v1/groups/{id}/members/{userId}`: `removeMembers` by the owner, or the owner leaving. */
export const removeGroupMember = defineRoute({
  operationId: 'removeGroupMember',
  method: 'DELETE',
  path: '/v1/groups/{id}/members/{userId}',
  summary: 'Remove a member from a group',
  description:
    "Removes `userId` on behalf of the group's owner (`membersRemoved`). Removing the owner is the owner leaving (`memberLeft`): ownership passes to the next member in user id order, as with `leaveGroup`. Idempotent: a user who is not a member is a no-op. The reply is the `removeMembers` reply.",
  params: z.strictObject({ id: conversationIdSchema, userId: userIdSchema }),
  query: none,
  body: undefined,
  reply: membersChangedResult,
  errors: ['BAD_REQUEST', 'NOT_FOUND', 'INTERNAL'],
});
