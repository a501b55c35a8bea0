import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Storage } from './storage.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The answer of a transaction: applied, or refused with the index of each item whose condition failed. */
export type TransactionOutcome = { applied: true } | { applied: false; failedConditions: number[] };

/** DynamoDB's limit on the items of one transaction. */
export const MAX_TRANSACTION_ITEMS = 100;

const CONFLICT_RETRIES = 20;

interface CancellationReason {
  Code?: string;
}

/**
 * Runs a transaction of conditional writes. A refused condition is an answer (which items failed),
 * not an error; a conflict with another transaction on the same items (TransactionConflict) is
 * retried with jitter, since nothing was applied and the next attempt may well succeed.
 */
export async function writeTransaction(storage: Storage, items: TransactItem[]): Promise<TransactionOutcome> {
  for (let attempt = 0; ; attempt++) {
    try {
      await storage.db.send(new TransactWriteCommand({ TransactItems: items }));
      return { applied: true };
    } catch (error) {
      if ((error as { name?: string }).name !== 'TransactionCanceledException') throw error;
      const reasons = ((error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
      const failedConditions = reasons.flatMap((code, index) => (code === 'ConditionalCheckFailed' ? [index] : []));
      if (failedConditions.length > 0) return { applied: false, failedConditions };
      if (attempt >= CONFLICT_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(500, 10 * 2 ** attempt)));
    }
  }
}
