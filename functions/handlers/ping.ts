import { pingRequest } from '@serverless-im/protocol';
import { actionHandler } from '../runtime/action-handler.js';
import { storageFromEnv } from '../runtime/instance.js';
import { touchConnection } from '../storage/connections.js';

/** `ping`: the heartbeat that keeps the connection record (and so presence) fresh. */
export const handler = actionHandler({
  action: 'ping',
  schema: pingRequest,
  async run(_input, { caller }) {
    const now = Date.now();
    await touchConnection(storageFromEnv(), caller.connectionId, now);
    return { ts: now };
  },
});
