/** Deletes processed messages, in DeleteMessageBatch calls of at most 10 (the SQS limit). */
import { DeleteMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

const MAX_ENTRIES_PER_CALL = 10;

export interface DeleteFailure {
  receiptHandle: string;
  reason: string;
}

/**
 * Resolves with the messages SQS did not delete (they will be delivered again, which the
 * at-least-once contract allows); rejects only if a call itself fails.
 */
export async function deleteMessages(
  client: SQSClient,
  queueUrl: string,
  receiptHandles: readonly string[],
): Promise<DeleteFailure[]> {
  const failures: DeleteFailure[] = [];
  for (let start = 0; start < receiptHandles.length; start += MAX_ENTRIES_PER_CALL) {
    const chunk = receiptHandles.slice(start, start + MAX_ENTRIES_PER_CALL);
    // Entry ids only need to be unique within one call; positions are.
    const { Failed } = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((receiptHandle, index) => ({ Id: String(index), ReceiptHandle: receiptHandle })),
      }),
    );
    for (const failed of Failed ?? []) {
      const receiptHandle = chunk[Number(failed.Id)] ?? `entry ${failed.Id}`;
      failures.push({ receiptHandle, reason: `${failed.Code ?? 'Error'}: ${failed.Message ?? ''}` });
    }
  }
  return failures;
}
