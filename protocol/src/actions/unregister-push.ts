import * as z from 'zod/mini';
import { requestIdSchema } from '../schemas/identifiers.js';

/** `unregisterPush`: removes the current device's push token (sign-out). Nothing to remove is fine. */
export const unregisterPushRequest = z.strictObject({ action: z.literal('unregisterPush'), id: requestIdSchema });
export const unregisterPushResult = z.strictObject({});
export type UnregisterPushResult = z.infer<typeof unregisterPushResult>;
