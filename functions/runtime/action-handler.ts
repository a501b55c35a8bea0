import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { closeExpiredConnection, tokenExpiryOf } from '../connections/token-expiry.js';
import { isRequestError, RateLimitedError, UnauthorizedError } from '../errors/request-errors.js';
import { isServiceError } from '../errors/service-error.js';
import { TokenBuckets } from '../limits/token-bucket.js';
import { UserLimiter } from '../limits/user-limits.js';
import { logger, metrics, MetricUnit } from '../platform/observability.js';
import { type Caller, callerOf } from './caller.js';
import { parseFrame, requestIdOf, schemaRefusal } from './frames.js';
import { closerFromEnv, pusherFromEnv, storageFromEnv } from './instance.js';
import { errorReplyOf, okReply } from './replies.js';

export interface ActionContext {
  caller: Caller;
  /** Epoch milliseconds when API Gateway received the frame. */
  receivedAt: number;
  /** Epoch milliseconds when the connection opened (API Gateway's `connectedAt`). */
  connectedAt: number;
}

export interface ActionDefinition<Schema extends z.ZodMiniType<{ id: string }>, Result> {
  action: string;
  /** The one schema of this action (from @serverless-im/protocol): the whole frame, `action` and `id` included. */
  schema: Schema;
  run(input: z.infer<Schema>, context: ActionContext): Promise<Result>;
}

type WebSocketEvent = APIGatewayProxyWebsocketEventV2 & {
  requestContext: APIGatewayProxyWebsocketEventV2['requestContext'] & { authorizer?: Record<string, unknown> };
};

const respond = (reply: unknown): APIGatewayProxyResultV2 => ({ statusCode: 200, body: JSON.stringify(reply) });

/** Per connection, in this instance's memory: a burst of 30 requests, then 10 per second. */
const perConnection = new TokenBuckets(Number(process.env.RATE_LIMIT_BURST ?? 30), Number(process.env.RATE_LIMIT_PER_SECOND ?? 10));

/** Per user, by action class (limits/user-limits.ts): durable for group changes, in this instance's memory for the rest. */
const perUser = new UserLimiter();

/**
 * A connection whose token has expired gets no more work done: the `closing` event, then
 * DeleteConnection. The request is not run; its reply (UNAUTHORIZED `tokenExpired`) goes to a
 * connection that no longer exists, so the client sees the close, and retries the request after
 * reconnecting with a fresh token as after any lost connection.
 */
async function refuseExpired(connectionId: string): Promise<never> {
  try {
    await closeExpiredConnection({ pusher: pusherFromEnv(), closer: closerFromEnv() }, connectionId);
  } catch (error) {
    // The refusal stands; the sweeper (connections/token-sweeper.ts) closes it on its next run.
    logger.warn('closing an expired connection failed', { error: (error as Error).name });
  }
  throw new UnauthorizedError('the token of this connection has expired; reconnect with a fresh one', { reason: 'tokenExpired' });
}

/**
 * Wraps one protocol action as a Lambda handler for a two-way route. This is the edge: parse and
 * validate the frame, run the domain code, and answer through the route response. A refused
 * request (RequestError) becomes the protocol's error reply with its code and reason; anything
 * else is logged with its code and answered INTERNAL without details.
 */
export function actionHandler<Schema extends z.ZodMiniType<{ id: string }>, Result>(
  definition: ActionDefinition<Schema, Result>,
): (event: WebSocketEvent, context: Context) => Promise<APIGatewayProxyResultV2> {
  // Schema messages name the field and what is wrong with it, in English (zod/mini has no locale by default).
  z.config(en());
  return async (event, context) => {
    logger.addContext(context);
    logger.appendKeys({ action: definition.action, connectionId: event.requestContext.connectionId });
    let frame: Record<string, unknown> | undefined;
    try {
      const caller = callerOf(event.requestContext);
      logger.appendKeys({ userId: caller.userId });
      const now = Date.now();
      // Before anything else: an expired connection gets nothing done, not even a BAD_REQUEST.
      const tokenExpiry = tokenExpiryOf(event.requestContext.authorizer);
      if (tokenExpiry !== undefined && now >= tokenExpiry) await refuseExpired(caller.connectionId);
      frame = parseFrame(event.body);
      if (!perConnection.take(caller.connectionId, now)) {
        throw new RateLimitedError('too many requests on this connection; slow down', {
          reason: 'connectionRate',
          retryAfterMs: perConnection.retryAfterMs(caller.connectionId, now),
        });
      }
      const parsed = definition.schema.safeParse(frame);
      if (!parsed.success) throw schemaRefusal(parsed.error);
      // The frame's own action: one function may serve several (group-membership, message-change, ...).
      const action = (parsed.data as { action?: unknown }).action;
      await perUser.count(storageFromEnv, typeof action === 'string' ? action : definition.action, caller.userId, now);
      const { requestTimeEpoch: receivedAt, connectedAt } = event.requestContext;
      const data = await definition.run(parsed.data, { caller, receivedAt, connectedAt });
      return respond(okReply(parsed.data.id, data));
    } catch (error) {
      if (isRequestError(error)) {
        logger.info('request refused', { code: error.code, reason: error.reason, detail: error.message });
      } else {
        if (isServiceError(error)) logger.appendKeys({ errorCode: error.code });
        logger.error('action failed', error as Error);
        metrics.addMetric('ActionErrors', MetricUnit.Count, 1);
      }
      return respond(errorReplyOf(error, requestIdOf(frame)));
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}
