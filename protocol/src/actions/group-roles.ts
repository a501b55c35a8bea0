import * as z from 'zod/mini';
import { MAX_GROUP_TITLE_CHARS } from '../limits.js';
import { conversationIdSchema, requestIdSchema, userIdSchema } from '../schemas/identifiers.js';
import { GROUP_ROLES } from '../schemas/shapes.js';

/** The roles `setRole` can give: the owner is made only by `transferOwnership`. */
export const ASSIGNABLE_ROLES = ['admin', 'member'] as const;
export type AssignableRole = (typeof ASSIGNABLE_ROLES)[number];

/**
 * `setRole`: the owner makes a member an admin or an admin a member again. Setting the role a
 * member already has changes nothing (`changed: false`) and writes no system item.
 */
export const setRoleRequest = z.strictObject({
  action: z.literal('setRole'),
  id: requestIdSchema,
  conversationId: conversationIdSchema,
  userId: userIdSchema,
  role: z.enum(ASSIGNABLE_ROLES),
});
export const setRoleResult = z.strictObject({ userId: userIdSchema, role: z.enum(GROUP_ROLES), changed: z.boolean() });
export type SetRoleResult = z.infer<typeof setRoleResult>;

/** `transferOwnership`: the owner hands the group to another member and becomes an admin. */
export const transferOwnershipRequest = z.strictObject({
  action: z.literal('transferOwnership'),
  id: requestIdSchema,
  conversationId: conversationIdSchema,
  userId: userIdSchema,
});
export const transferOwnershipResult = z.strictObject({ owner: userIdSchema, previousOwner: userIdSchema, previousOwnerRole: z.enum(GROUP_ROLES) });
export type TransferOwnershipResult = z.infer<typeof transferOwnershipResult>;

/** `updateGroup`: the owner or an admin changes the title or the two flags; only real changes are announced. */
export const updateGroupRequest = z
  .strictObject({
    action: z.literal('updateGroup'),
    id: requestIdSchema,
    conversationId: conversationIdSchema,
    title: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_GROUP_TITLE_CHARS))),
    onlyAdminsSend: z.optional(z.boolean()),
    onlyAdminsAdd: z.optional(z.boolean()),
  })
  .check(
    z.refine(
      (request) => request.title !== undefined || request.onlyAdminsSend !== undefined || request.onlyAdminsAdd !== undefined,
      'name at least one of title, onlyAdminsSend, onlyAdminsAdd',
    ),
  );
/** The group's settings after the request, and whether it changed anything. */
export const updateGroupResult = z.strictObject({ title: z.string(), onlyAdminsSend: z.boolean(), onlyAdminsAdd: z.boolean(), changed: z.boolean() });
export type UpdateGroupResult = z.infer<typeof updateGroupResult>;
