/**
 * Where a DynamoDB stream mapping reports a batch it gives up on (retries exhausted, records too
 * old): the invocation record Lambda sends to an on-failure destination. It names the batch (shard,
 * first and last sequence numbers, times, size), not its records, which stay in the stream.
 * Shape: services-dynamodb-errors ("Example Invocation Record"); DynamoDB's times have seconds,
 * no milliseconds.
 */
import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

export type DiscardCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export interface DiscardedBatch {
  condition: DiscardCondition;
  shardId: string;
  streamArn: string;
  functionArn: string;
  records: readonly { sequenceNumber: string; createdAtMs: number }[];
  /** Invocations of this batch before it was discarded (0: discarded before any). */
  approximateInvokeCount: number;
  /** How the last invocation ended: a function error, or a partial batch response. */
  lastInvocation?: 'function-error' | 'partial-failure';
}

export interface StreamFailureRecord {
  requestContext: { requestId: string; functionArn: string; condition: DiscardCondition; approximateInvokeCount: number };
  responseContext?: { statusCode: number; executedVersion: string; functionError?: string };
  version: '1.0';
  timestamp: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

const toSeconds = (ms: number): string => `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;

export function failureRecord(batch: DiscardedBatch, now: number = Date.now()): StreamFailureRecord {
  const first = batch.records[0];
  const last = batch.records.at(-1);
  if (!first || !last) throw new Error('a discarded batch has at least one record');
  const record: StreamFailureRecord = {
    requestContext: {
      requestId: randomUUID(),
      functionArn: batch.functionArn,
      condition: batch.condition,
      approximateInvokeCount: batch.approximateInvokeCount,
    },
    version: '1.0',
    timestamp: new Date(now).toISOString(),
    DDBStreamBatchInfo: {
      shardId: batch.shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: toSeconds(first.createdAtMs),
      approximateArrivalOfLastRecord: toSeconds(last.createdAtMs),
      batchSize: batch.records.length,
      streamArn: batch.streamArn,
    },
  };
  if (batch.approximateInvokeCount > 0) {
    record.responseContext = { statusCode: 200, executedVersion: '$LATEST' };
    if (batch.lastInvocation === 'function-error') record.responseContext.functionError = 'Unhandled';
  }
  // AWS's key order: requestContext, responseContext, version, timestamp, DDBStreamBatchInfo.
  const { requestContext, responseContext, ...rest } = record;
  return { requestContext, ...(responseContext ? { responseContext } : {}), ...rest };
}

export interface FailureDestination {
  /** `DestinationConfig.OnFailure.Destination`. */
  arn: string;
  send(record: StreamFailureRecord): Promise<void>;
}

/** An SQS queue: the record is the message body. */
export function sqsFailureDestination(client: SQSClient, queueUrl: string, queueArn: string): FailureDestination {
  return {
    arn: queueArn,
    async send(record) {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(record) }));
    },
  };
}

/**
 * An SNS topic: the record is the message. `publish` is the local SNS once the local cloud has
 * one; until then the record is only kept (and reported), so nothing is lost silently.
 */
export function snsFailureDestination(topicArn: string, publish: ((topicArn: string, message: string) => Promise<void>) | undefined, kept: StreamFailureRecord[]): FailureDestination {
  return {
    arn: topicArn,
    async send(record) {
      if (publish) await publish(topicArn, JSON.stringify(record));
      else kept.push(record);
    },
  };
}
