import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { logger, metrics } from '../platform/observability.js';

/**
 * A Lambda handler for a DynamoDB stream mapping (with `ReportBatchItemFailures`) that handles
 * its records one after another, in stream order. When one fails, the batch reports it as the
 * first failure, so Lambda retries from that record: the ones before it stay done, and the ones
 * after it come again, in order (each `handle` must be idempotent).
 */
export function inStreamOrder(
  handle: (record: DynamoDBRecord) => Promise<void>,
  failureMessage: string,
): (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse> {
  return async (event, context) => {
    logger.addContext(context);
    const records = event.Records ?? [];
    let done = 0;
    try {
      for (; done < records.length; done++) await handle(records[done]!);
      return { batchItemFailures: [] };
    } catch (error) {
      logger.warn(failureMessage, { error: (error as Error).message });
      return { batchItemFailures: [{ itemIdentifier: records[done]!.dynamodb!.SequenceNumber! }] };
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
