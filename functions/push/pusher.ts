import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { EventName, ServerEventMap } from '@serverless-im/protocol';
import { logger, metrics, MetricUnit } from '../platform/observability.js';
import { connectionsOf, removeGoneConnection, type UserConnection } from '../storage/connections.js';
import type { Storage } from '../storage/storage.js';

/** A server event as pushed: its name and its `data`, typed by the protocol. */
export type ServerEvent = { [E in EventName]: { event: E; data: ServerEventMap[E] } }[EventName];

/** Sends server events to connections through the Management API (`@connections`). */
export interface Pusher {
  /** Pushes `event` to every live connection of `userIds`, except `exceptConnectionId`. */
  pushToUsers(userIds: readonly string[], event: ServerEvent, options?: { exceptConnectionId?: string }): Promise<void>;
  /** Pushes to these connections; resolves with the ids that answered 410 and were forgotten (not one still in `$connect`). */
  pushToConnections(connections: readonly Pick<UserConnection, 'connectionId'>[], event: ServerEvent): Promise<{ gone: string[] }>;
}

export interface PusherDeps {
  storage: Storage;
  managementEndpoint: string;
  clock: () => number;
  /** The most one push may take; a later answer is treated as a failed push. */
  pushDeadlineMs?: number;
  /** How young a connection record is kept when its push answers 410 (CONNECT_GRACE_MS by default). */
  connectGraceMs?: number;
}

/**
 * Each push gets its own deadline. PostToConnection can hang past the client's own timeouts (a
 * known issue of the AWS SDK for JavaScript v3), and one hung call must not hold a send reply or
 * a fan-out batch: a push is best-effort anyway (`sync` recovers what it misses).
 */
export const PUSH_DEADLINE_MS = 3_000;

/**
 * A record this young may belong to a connection whose `$connect` is still running (API Gateway's
 * integration timeout is 29 s), which API Gateway also answers with 410: keep it.
 */
export const CONNECT_GRACE_MS = 30_000;

class PushDeadlineExceeded extends Error {
  override readonly name = 'PushDeadlineExceeded';
}

/** Settles with `work`, or rejects once `ms` passed (aborting it), whichever comes first. */
async function withinDeadline<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new PushDeadlineExceeded(`no answer within ${ms} ms`));
    }, ms);
  });
  try {
    // The race, not only the abort signal: an SDK call that ignores its signal still lets go here.
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A push that fails is never retried here: the item is in the timeline and the client's gap check
 * and `sync` recover it. A connection that answers 410 (GoneException) is dead and is removed.
 */
export function createPusher(deps: PusherDeps): Pusher {
  const client = new ApiGatewayManagementApiClient({ endpoint: deps.managementEndpoint });
  const encoder = new TextEncoder();
  const deadlineMs = deps.pushDeadlineMs ?? PUSH_DEADLINE_MS;

  const pushToConnections = async (connections: readonly Pick<UserConnection, 'connectionId'>[], event: ServerEvent): Promise<{ gone: string[] }> => {
    const gone: string[] = [];
    if (connections.length === 0) return { gone };
    const data = encoder.encode(JSON.stringify(event));
    await Promise.all(
      connections.map(async (connection) => {
        try {
          await withinDeadline(deadlineMs, (abortSignal) =>
            client.send(new PostToConnectionCommand({ ConnectionId: connection.connectionId, Data: data }), { abortSignal }),
          );
          metrics.addMetric('PushesDelivered', MetricUnit.Count, 1);
        } catch (error) {
          const name = (error as { name?: string }).name;
          if (name === 'GoneException') {
            metrics.addMetric('PushesGone', MetricUnit.Count, 1);
            if (await removeGoneConnection(deps.storage, connection.connectionId, deps.clock() - (deps.connectGraceMs ?? CONNECT_GRACE_MS))) gone.push(connection.connectionId);
          } else {
            metrics.addMetric('PushesFailed', MetricUnit.Count, 1);
            logger.warn('push failed', { connectionId: connection.connectionId, error: name ?? String(error) });
          }
        }
      }),
    );
    return { gone };
  };

  return {
    pushToConnections,
    async pushToUsers(userIds, event, options = {}) {
      const connections = await connectionsOf(deps.storage, userIds, deps.clock());
      await pushToConnections(
        connections.filter((connection) => connection.connectionId !== options.exceptConnectionId),
        event,
      );
    },
  };
}
