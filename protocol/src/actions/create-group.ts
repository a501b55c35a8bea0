import * as z from 'zod/mini';
import { MAX_GROUP_TITLE_CHARS, MAX_MEMBER_LIST } from '../limits.js';
import { conversationIdSchema, requestIdSchema, userIdSchema } from '../schemas/identifiers.js';

/**
 * `createGroup`: a group of the caller (its owner) and `members`. More than 100 members in one
 * request is TOO_LARGE (`tooManyMembers`), counted after validation.
 */
export const createGroupRequest = z.strictObject({
  action: z.literal('createGroup'),
  id: requestIdSchema,
  title: z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_GROUP_TITLE_CHARS)),
  members: z.array(userIdSchema).check(z.maxLength(MAX_MEMBER_LIST)),
});
export const createGroupResult = z.strictObject({ conversationId: conversationIdSchema });
export type CreateGroupResult = z.infer<typeof createGroupResult>;
