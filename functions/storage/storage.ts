import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The tables a function talks to, as the stack names them in its environment. */
export interface Tables {
  connections: string;
  connectionsByUser: string;
  /** The sparse index of connections by token expiry (connections/token-sweeper.ts). */
  connectionsByTokenExpiry?: string;
  timelines: string;
  conversations: string;
  memberships: string;
  membershipsByGroup: string;
  /** The conversation list's indexes (storage/activity-index.ts); their names when left out. */
  membershipsByActivity?: string;
  membershipsByUnread?: string;
  claims: string;
  groupListeners: string;
  /** Push registrations (functions that handle notifications only). */
  devices?: string;
  devicesByEndpoint?: string;
}

/**
 * What every storage module takes: a document client and the table names. Only the modules of
 * this folder build DynamoDB commands; domain code asks them for operations.
 */
export interface Storage {
  db: DynamoDBDocumentClient;
  tables: Tables;
}
