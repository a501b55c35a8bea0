import * as z from 'zod';
import { touchConnection } from '../shared/connections/connection-store.js';
import { requestIdSchema } from '../shared/protocol/identifiers.js';
import { actionHandler } from '../shared/runtime/action-handler.js';
import { dynamoDb } from '../shared/runtime/aws-clients.js';
import { requiredEnv } from '../shared/runtime/env.js';

const tableName = requiredEnv('CONNECTIONS_TABLE');

const pingSchema = z.strictObject({ action: z.literal('ping'), id: requestIdSchema });

/** `ping`: the heartbeat that keeps the connection record (and so presence) fresh. */
export const handler = actionHandler({
  action: 'ping',
  schema: pingSchema,
  async run(_input, { caller }) {
    const now = Date.now();
    await touchConnection({ db: dynamoDb(), tableName }, caller.connectionId, now);
    return { ts: now };
  },
});
