import { pingRequest } from '@serverless-im/protocol';
import { actionHandler } from '../runtime/action-handler.js';
import { storageFromEnv } from '../runtime/instance.js';
import { extendConnection } from '../storage/connections.js';

/**
 * Connections whose record this instance already carried over: v1 clients ping every 5 minutes,
 * and one conditional write per connection is all the upgrade needs. Bounded: a forgotten entry
 * costs one more failed condition.
 */
const extended = new Set<string>();

/**
 * `ping`: answers the server time. Connection records no longer need refreshing (they last the
 * connection's life), so the SDK does not ping; the write here only carries a record written
 * before an upgrade over to the new lifetime, once per connection and instance.
 */
export const handler = actionHandler({
  action: 'ping',
  schema: pingRequest,
  async run(_input, { caller, connectedAt }) {
    const now = Date.now();
    if (!extended.has(caller.connectionId)) {
      await extendConnection(storageFromEnv(), caller.connectionId, connectedAt);
      if (extended.size >= 10_000) extended.clear();
      extended.add(caller.connectionId);
    }
    return { ts: now };
  },
});
