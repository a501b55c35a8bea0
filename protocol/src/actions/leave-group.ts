import * as z from 'zod/mini';
import { conversationIdSchema, requestIdSchema } from '../schemas/identifiers.js';

/** `leaveGroup`: anyone may leave; an owner who leaves hands the group to the next member in user id order. */
export const leaveGroupRequest = z.strictObject({ action: z.literal('leaveGroup'), id: requestIdSchema, conversationId: conversationIdSchema });
export const leaveGroupResult = z.strictObject({});
export type LeaveGroupResult = z.infer<typeof leaveGroupResult>;
