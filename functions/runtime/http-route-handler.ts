import type { ServerApiRoute } from '@serverless-im/protocol/server-api';
import { HTTP_STATUS_OF } from '@serverless-im/protocol/server-api';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { BadRequestError, isRequestError } from '../errors/request-errors.js';
import { isServiceError } from '../errors/service-error.js';
import { logger, metrics, MetricUnit } from '../platform/observability.js';
import { parseFrame, schemaRefusal } from './frames.js';
import { errorReplyOf } from './replies.js';

/** What a server API request carries once its route's schemas accepted it. */
export interface RouteInput<R extends ServerApiRoute> {
  params: z.output<R['params']>;
  query: z.output<R['query']>;
  body: R['body'] extends z.ZodMiniType ? z.output<R['body']> : undefined;
  /** Who signed the request (IAM), for the log: the company's role or user. */
  callerArn: string;
}

/** A route's own schema failure: the field is named as `params.id`, `query.limit`, `before`... */
function validated<S extends z.ZodMiniType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw schemaRefusal(parsed.error);
  return parsed.data;
}

const json = (statusCode: number, value: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(value),
});

function bodyText(event: APIGatewayProxyEventV2WithIAMAuthorizer): string | undefined {
  if (event.body === undefined) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/**
 * Wraps one server API route as the Lambda handler of its API Gateway (payload 2.0) route; the
 * HTTP twin of `actionHandler`. This is the edge: path parameters, query and JSON body are
 * validated with the route's schemas from @serverless-im/protocol/server-api before `run`; a
 * refused request (RequestError) is `{"error": {code, message, reason?, retryAfterMs?}}` with its
 * code's status; anything else is logged and answered 500 INTERNAL without details. API Gateway
 * has checked the SigV4 signature and IAM before the function runs.
 *
 * One function per route (not one router function): each gets only the grants its route needs,
 * as the WebSocket actions do, and an alarm or log names the route.
 */
export function httpRouteHandler<R extends ServerApiRoute>(
  route: R,
  run: (input: RouteInput<R>) => Promise<z.input<R['reply']>>,
): (event: APIGatewayProxyEventV2WithIAMAuthorizer, context: Context) => Promise<APIGatewayProxyStructuredResultV2> {
  z.config(en());
  return async (event, context) => {
    logger.addContext(context);
    const callerArn = event.requestContext.authorizer?.iam?.userArn ?? 'unknown';
    logger.appendKeys({ route: route.operationId, caller: callerArn });
    try {
      const params = validated(route.params, event.pathParameters ?? {});
      const query = validated(route.query, event.queryStringParameters ?? {});
      let body: unknown;
      if (route.body) {
        body = validated(route.body, parseFrame(bodyText(event)));
      } else if ((bodyText(event) ?? '').trim() !== '') {
        throw new BadRequestError('this route takes no body', { reason: 'invalidFrame' });
      }
      const reply = await run({ params, query, body, callerArn } as RouteInput<R>);
      const status = route.successStatus ?? 200;
      logger.info('server api request', { status });
      return json(status, reply);
    } catch (error) {
      if (isRequestError(error)) {
        logger.info('request refused', { code: error.code, reason: error.reason, detail: error.message });
      } else {
        if (isServiceError(error)) logger.appendKeys({ errorCode: error.code });
        logger.error('server api request failed', error as Error);
        metrics.addMetric('ServerApiErrors', MetricUnit.Count, 1);
      }
      const { error: info } = errorReplyOf(error, null);
      const retryAfter: Record<string, string> = info.retryAfterMs === undefined ? {} : { 'retry-after': String(Math.ceil(info.retryAfterMs / 1000)) };
      return json(HTTP_STATUS_OF[info.code], { error: info }, retryAfter);
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}
