import type { Context, ScheduledEvent } from 'aws-lambda';
import { sweepExpiredTokens } from '../connections/token-sweeper.js';
import { logger, metrics, MetricUnit } from '../platform/observability.js';
import { closerFromEnv, pusherFromEnv, storageFromEnv } from '../runtime/instance.js';

/** Every minute (an EventBridge schedule): closes the connections whose token expired. */
export async function handler(_event: ScheduledEvent, context: Context): Promise<{ closed: number; gone: number }> {
  logger.addContext(context);
  try {
    const result = await sweepExpiredTokens({ storage: storageFromEnv(), pusher: pusherFromEnv(), closer: closerFromEnv(), clock: Date.now });
    if (result.closed + result.gone > 0) logger.info('expired connections swept', result);
    metrics.addMetric('ExpiredConnectionsClosed', MetricUnit.Count, result.closed);
    return result;
  } finally {
    metrics.publishStoredMetrics();
  }
}
