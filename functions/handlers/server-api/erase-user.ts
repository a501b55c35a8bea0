import { SQSClient } from '@aws-sdk/client-sqs';
import { type ErasureMode, eraseUser } from '@serverless-im/protocol/server-api';
import { type ErasureQueue, requestErasure } from '../../erasure/start-erasure.js';
import { requiredEnv } from '../../platform/env.js';
import { logger } from '../../platform/observability.js';
import { httpRouteHandler } from '../../runtime/http-route-handler.js';
import { storageFromEnv } from '../../runtime/instance.js';

let queue: ErasureQueue | undefined;

/** `DELETE /v1/users/{id}`: the erasure record and the job's first slice; 202 with where to follow it. */
export const handler = httpRouteHandler(eraseUser, async ({ params }) => {
  queue ??= { client: new SQSClient({}), queueUrl: requiredEnv('ERASURE_QUEUE_URL') };
  const reply = await requestErasure({ storage: storageFromEnv(), queue, mode: requiredEnv('ERASURE_MODE') as ErasureMode, clock: Date.now }, params.id);
  logger.info('erasure requested', { status: reply.erasure.status, step: reply.erasure.step });
  return reply;
});
