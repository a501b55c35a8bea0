import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

export const isConditionalCheckFailed = (error: unknown): boolean =>
  (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

/**
 * The item a failed condition returned (`ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`). The
 * document client does not unmarshall exceptions, so the item arrives in DynamoDB's wire format.
 */
export function itemOfConditionFailure<T>(error: unknown): T | undefined {
  const item = (error as { Item?: Record<string, AttributeValue> }).Item;
  return item ? (unmarshall(item) as T) : undefined;
}

/**
 * Runs a conditional write: true when DynamoDB applied it, false when its condition did not hold
 * (a refused condition is an answer here, not a failure). Other errors propagate.
 */
export async function writeIfConditionHolds(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}
