/**
 * Decides, as Lambda's SQS event source does, which messages of a batch were processed
 * (and get deleted) from what the function returned.
 * Rules: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
import type { SQSRecord } from 'aws-lambda';

export type BatchOutcome =
  /** Every message was processed: delete them all. */
  | { kind: 'success' }
  /** Only these messages failed: delete all the others. */
  | { kind: 'partial'; failedMessageIds: ReadonlySet<string> }
  /** The whole batch counts as failed: delete nothing, let the visibility timeout expire. */
  | { kind: 'failure'; reason: string };

/** Outcome of an invocation that returned `result` (a rejected invocation is a failure). */
export function outcomeOfResult(
  result: unknown,
  records: readonly SQSRecord[],
  reportBatchItemFailures: boolean,
): BatchOutcome {
  // Without ReportBatchItemFailures the response is ignored: returning means success.
  if (!reportBatchItemFailures) return { kind: 'success' };
  // A null/empty response or a null/empty batchItemFailures list is a complete success.
  if (result === null || result === undefined) return { kind: 'success' };
  // Anything Lambda cannot read as a batch response (a string, a number, a list) is an
  // invalid response, which Lambda treats as a complete failure.
  if (typeof result !== 'object' || Array.isArray(result)) {
    return { kind: 'failure', reason: 'the function returned an invalid batch response' };
  }
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'failure', reason: 'batchItemFailures is not a list' };
  if (failures.length === 0) return { kind: 'success' };

  const batchIds = new Set(records.map((record) => record.messageId));
  const failedMessageIds = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    // An empty or null itemIdentifier, a misspelt key, or an id that is not in this batch
    // makes Lambda distrust the whole response and retry the whole batch.
    if (typeof id !== 'string' || id === '' || !batchIds.has(id)) {
      return { kind: 'failure', reason: `invalid itemIdentifier ${JSON.stringify(id) ?? 'undefined'}` };
    }
    failedMessageIds.add(id);
  }
  return { kind: 'partial', failedMessageIds };
}

/** The records to delete from the queue for this outcome. */
export function recordsToDelete(records: readonly SQSRecord[], outcome: BatchOutcome): SQSRecord[] {
  switch (outcome.kind) {
    case 'success':
      return [...records];
    case 'partial':
      return records.filter((record) => !outcome.failedMessageIds.has(record.messageId));
    case 'failure':
      return [];
  }
}
