import * as z from 'zod/mini';
import { position } from '../schemas/identifiers.js';
import { messageSchema } from '../schemas/shapes.js';

/**
 * The reply of `edit`, `recall` and `react`: the message's state after the request, and the
 * caller's own `update` item for the change (null in a large group, where changes are not copied
 * into timelines, and when the request changed nothing).
 */
export const messageChangeResult = z.strictObject({
  message: messageSchema,
  seq: z.nullable(position()),
});
export type MessageChangeResult = z.infer<typeof messageChangeResult>;
