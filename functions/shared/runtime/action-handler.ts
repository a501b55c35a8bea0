import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import type * as z from 'zod';
import { ProtocolError } from '../protocol/errors.js';
import { parseFrame, protocolErrorOf, requestIdOf } from '../protocol/frame.js';
import { errorReply, okReply, type Reply } from '../protocol/replies.js';
import { TokenBuckets } from '../limits/token-bucket.js';
import { type Caller, callerOf } from './caller.js';
import { logger, metrics, MetricUnit } from './observability.js';

export interface ActionContext {
  caller: Caller;
  /** Epoch milliseconds when API Gateway received the frame. */
  receivedAt: number;
}

export interface ActionDefinition<Schema extends z.ZodType<{ id: string }>, Result> {
  action: string;
  /** The one schema of this action: the whole frame, `action` and `id` included. */
  schema: Schema;
  run(input: z.infer<Schema>, context: ActionContext): Promise<Result>;
}

type WebSocketEvent = APIGatewayProxyWebsocketEventV2 & {
  requestContext: APIGatewayProxyWebsocketEventV2['requestContext'] & { authorizer?: Record<string, unknown> };
};

const respond = (reply: Reply<unknown>): APIGatewayProxyResultV2 => ({ statusCode: 200, body: JSON.stringify(reply) });

/** Per connection, in this instance's memory: a burst of 30 requests, then 10 per second. */
const perConnection = new TokenBuckets(Number(process.env.RATE_LIMIT_BURST ?? 30), Number(process.env.RATE_LIMIT_PER_SECOND ?? 10));

/**
 * Wraps one protocol action as a Lambda handler for a two-way route: parse and validate the
 * frame at the edge, run the domain code, and answer through the route response. Client
 * mistakes become the protocol's error replies; anything else is logged and answered INTERNAL
 * without details, so nothing internal leaks to the client.
 */
export function actionHandler<Schema extends z.ZodType<{ id: string }>, Result>(
  definition: ActionDefinition<Schema, Result>,
): (event: WebSocketEvent, context: Context) => Promise<APIGatewayProxyResultV2> {
  return async (event, context) => {
    logger.addContext(context);
    logger.appendKeys({ action: definition.action, connectionId: event.requestContext.connectionId });
    let frame: Record<string, unknown> | undefined;
    try {
      const caller = callerOf(event.requestContext);
      logger.appendKeys({ userId: caller.userId });
      frame = parseFrame(event.body);
      if (!perConnection.take(caller.connectionId, Date.now())) {
        throw new ProtocolError('RATE_LIMITED', 'too many requests on this connection; slow down');
      }
      const parsed = definition.schema.safeParse(frame);
      if (!parsed.success) throw protocolErrorOf(parsed.error);
      const data = await definition.run(parsed.data, { caller, receivedAt: event.requestContext.requestTimeEpoch });
      return respond(okReply(parsed.data.id, data));
    } catch (error) {
      if (error instanceof ProtocolError) {
        logger.info('request refused', { code: error.code, reason: error.message });
        return respond(errorReply(requestIdOf(frame), error.code, error.message));
      }
      logger.error('action failed', error as Error);
      metrics.addMetric('ActionErrors', MetricUnit.Count, 1);
      return respond(errorReply(requestIdOf(frame), 'INTERNAL', 'internal error, retry later'));
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}
