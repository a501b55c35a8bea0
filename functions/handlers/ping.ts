import { pingRequest } from '@serverless-im/protocol';
import { actionHandler } from '../runtime/action-handler.js';
import { storageFromEnv } from '../runtime/instance.js';
import { extendConnection } from '../storage/connections.js';

/**
 * `ping`: answers the server time. Connection records no longer need refreshing (they last the
 * connection's life), so the SDK does not ping; the write here only carries records of clients
 * connected before an upgrade over to the new lifetime, and costs a failed condition otherwise.
 */
export const handler = actionHandler({
  action: 'ping',
  schema: pingRequest,
  async run(_input, { caller, connectedAt }) {
    const now = Date.now();
    await extendConnection(storageFromEnv(), caller.connectionId, connectedAt);
    return { ts: now };
  },
});
