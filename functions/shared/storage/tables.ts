import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { requiredEnv } from '../runtime/env.js';

/** The tables a function talks to, as the stack names them in its environment. */
export interface Tables {
  connections: string;
  connectionsByUser: string;
  timelines: string;
  conversations: string;
  memberships: string;
  membershipsByGroup: string;
  claims: string;
  groupListeners: string;
}

/** Data access dependencies handed to domain functions (a client and the table names). */
export interface Storage {
  db: DynamoDBDocumentClient;
  tables: Tables;
}

/** Table names from the environment; a function only reads the ones it was given. */
export function tablesFromEnv(): Tables {
  const optional = (name: string): string => process.env[name] ?? '';
  return {
    connections: requiredEnv('CONNECTIONS_TABLE'),
    connectionsByUser: optional('CONNECTIONS_BY_USER_INDEX') || 'byUser',
    timelines: optional('TIMELINES_TABLE'),
    conversations: optional('CONVERSATIONS_TABLE'),
    memberships: optional('MEMBERSHIPS_TABLE'),
    membershipsByGroup: optional('MEMBERSHIPS_BY_GROUP_INDEX') || 'byGroup',
    claims: optional('CLAIMS_TABLE'),
    groupListeners: optional('GROUP_LISTENERS_TABLE'),
  };
}

export const isConditionalCheckFailed = (error: unknown): boolean =>
  (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

/**
 * The item a failed condition returned (`ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`). The
 * document client does not unmarshall exceptions, so the item arrives in DynamoDB's wire format.
 */
export function itemOfConditionFailure<T>(error: unknown): T | undefined {
  const item = (error as { Item?: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> }).Item;
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
