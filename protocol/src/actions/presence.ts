import * as z from 'zod/mini';
import { MAX_PRESENCE_USERS } from '../limits.js';
import { requestIdSchema, userIdSchema } from '../schemas/identifiers.js';
import { presenceInfoSchema } from '../schemas/shapes.js';

/** `presence`: who of `users` is online now, and when each was last seen. */
export const presenceRequest = z.strictObject({
  action: z.literal('presence'),
  id: requestIdSchema,
  users: z.array(userIdSchema).check(z.minLength(1), z.maxLength(MAX_PRESENCE_USERS)),
});
export const presenceResult = z.strictObject({ users: z.record(userIdSchema, presenceInfoSchema) });
export type PresenceResult = z.infer<typeof presenceResult>;
