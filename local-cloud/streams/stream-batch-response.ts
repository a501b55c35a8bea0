/**
 * Decides, as Lambda's stream event source does, what a function's answer means for a batch of
 * DynamoDB stream records. Rules (services-ddb-batchfailurereporting): without
 * ReportBatchItemFailures any return is a success; a null/empty response or a null/empty
 * `batchItemFailures` is a success; an empty, null or misspelt `itemIdentifier` fails the whole
 * batch; otherwise Lambda checkpoints before the lowest reported sequence number and retries from
 * that record on.
 */
import type { DynamoDBRecord } from 'aws-lambda';

export type StreamBatchOutcome =
  | { kind: 'success' }
  /** The records before `retryFrom` were processed; retry from that index on. */
  | { kind: 'partial'; retryFrom: number }
  | { kind: 'failure'; reason: string };

export function outcomeOfStreamResult(result: unknown, records: readonly DynamoDBRecord[], reportBatchItemFailures: boolean): StreamBatchOutcome {
  if (!reportBatchItemFailures || result === null || result === undefined) return { kind: 'success' };
  if (typeof result !== 'object' || Array.isArray(result)) return { kind: 'failure', reason: 'the function returned an invalid batch response' };
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'failure', reason: 'batchItemFailures is not a list' };
  if (failures.length === 0) return { kind: 'success' };
  const positions = new Map(records.map((record, index) => [record.dynamodb?.SequenceNumber, index]));
  let retryFrom = Number.POSITIVE_INFINITY;
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const position = typeof id === 'string' && id !== '' ? positions.get(id) : undefined;
    // A sequence number that is not in the batch cannot be a checkpoint: Lambda retries it all.
    if (position === undefined) return { kind: 'failure', reason: `invalid itemIdentifier ${JSON.stringify(id) ?? 'undefined'}` };
    retryFrom = Math.min(retryFrom, position);
  }
  return { kind: 'partial', retryFrom };
}
