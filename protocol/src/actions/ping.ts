import * as z from 'zod/mini';
import { requestIdSchema, timestamp } from '../schemas/identifiers.js';

/** `ping`: the heartbeat that keeps the connection (and presence) fresh; answers the server time. */
export const pingRequest = z.strictObject({ action: z.literal('ping'), id: requestIdSchema });
export const pingResult = z.strictObject({ ts: timestamp() });
export type PingResult = z.infer<typeof pingResult>;
