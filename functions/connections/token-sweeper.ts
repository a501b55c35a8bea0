import { expiredConnections, removeGoneConnection } from '../storage/connections.js';
import type { Storage } from '../storage/storage.js';
import { closeExpiredConnection, type ExpiryDeps } from './token-expiry.js';

export interface SweepDeps extends ExpiryDeps {
  storage: Storage;
  clock: () => number;
}

/**
 * The scheduled sweep (every minute): closes the connections whose token expired, including
 * those that only send `heartbeat`s, which API Gateway answers itself (a MOCK integration runs no
 * code and cannot close a connection, so the per-action check never sees them). Each gets the
 * `closing` event, then DeleteConnection; `$disconnect` then removes its record and with it its
 * index entry. A connection API Gateway no longer knows (410: its `$disconnect` was lost) has its
 * record removed here, so it is not swept again.
 *
 * Returns how many were closed and how many were gone. A failure of one close leaves it for the
 * next run (a minute later); every run sees every expired connection still there.
 */
export async function sweepExpiredTokens(deps: SweepDeps): Promise<{ closed: number; gone: number }> {
  const now = deps.clock();
  const expired = await expiredConnections(deps.storage, Math.floor(now / 1000));
  const outcomes = await Promise.allSettled(
    expired.map(async (connection) => {
      const outcome = await closeExpiredConnection(deps, connection.connectionId);
      if (outcome === 'gone') await removeGoneConnection(deps.storage, connection.connectionId, now);
      return outcome;
    }),
  );
  const fulfilled = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const failed = outcomes.length - fulfilled.length;
  if (failed > 0) throw new AggregateError(outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : [])), `${failed} of ${outcomes.length} expired connections could not be closed`);
  return { closed: fulfilled.filter((o) => o === 'closed').length, gone: fulfilled.filter((o) => o === 'gone').length };
}
