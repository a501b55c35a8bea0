import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateQuery, paginateScan, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';

/**
 * Reads the test cloud's tables directly (its own tables on the shared DynamoDB Local), for tests
 * that must check what is stored, not only what replies say: a recall leaves no copy of a body.
 */
export class StoredItems {
  private readonly db: DynamoDBDocumentClient;

  constructor(private readonly cloud: LocalCloud) {
    this.db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: cloud.dynamoDbEndpoint, region: cloud.model.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
    );
  }

  /** Every item of the table whose logical id starts with `logicalIdPrefix` (MessagingTimelines, ...). */
  async scan(logicalIdPrefix: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for await (const page of paginateScan({ client: this.db }, { TableName: this.cloud.tableName(logicalIdPrefix), ConsistentRead: true })) items.push(...(page.Items ?? []));
    return items;
  }

  /** Overwrites an item of the table whose logical id starts with `logicalIdPrefix` (to stage a state the services reach only with time). */
  async put(logicalIdPrefix: string, item: Record<string, unknown>): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.cloud.tableName(logicalIdPrefix), Item: item }));
  }

  /** A user's timeline items as stored (head included). */
  async timeline(userId: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for await (const page of paginateQuery(
      { client: this.db },
      { TableName: this.cloud.tableName('MessagingTimelines'), KeyConditionExpression: 'userId = :u', ExpressionAttributeValues: { ':u': userId }, ConsistentRead: true },
    )) {
      items.push(...(page.Items ?? []));
    }
    return items;
  }

  /** The stored items (any table of the stack) whose JSON contains `text`. */
  async containing(text: string): Promise<{ table: string; item: Record<string, unknown> }[]> {
    const found: { table: string; item: Record<string, unknown> }[] = [];
    for (const table of ['MessagingTimelines', 'MessagingConversations', 'MessagingClaims', 'MessagingMemberships', 'StorageConnections', 'MessagingGroupListeners']) {
      for (const item of await this.scan(table)) if (JSON.stringify(item).includes(text)) found.push({ table, item });
    }
    return found;
  }

  close(): void {
    this.db.destroy();
  }
}
