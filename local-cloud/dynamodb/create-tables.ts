import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { IndexSpec, TableSpec } from '../template/cloud-model.js';

const projectionOf = (index: IndexSpec): NonNullable<CreateTableCommandInput['GlobalSecondaryIndexes']>[number]['Projection'] => ({
  ProjectionType: (index.Projection.ProjectionType ?? 'ALL') as 'ALL' | 'KEYS_ONLY' | 'INCLUDE',
  ...(index.Projection.NonKeyAttributes ? { NonKeyAttributes: index.Projection.NonKeyAttributes } : {}),
});

/**
 * Creates the stack's tables with their key schema, indexes, TTL and stream, through the DynamoDB API
 * (so the same code serves DynamoDB Local and LocalStack). Existing tables are kept: on-disk data
 * survives a restart.
 */
export async function createTables(client: DynamoDBClient, tables: TableSpec[]): Promise<void> {
  for (const table of tables) {
    const input: CreateTableCommandInput = {
      TableName: table.name,
      KeySchema: table.keySchema,
      AttributeDefinitions: table.attributeDefinitions,
      BillingMode: 'PAY_PER_REQUEST',
    };
    if (table.streamViewType) input.StreamSpecification = { StreamEnabled: true, StreamViewType: table.streamViewType };
    if (table.globalSecondaryIndexes.length > 0) {
      input.GlobalSecondaryIndexes = table.globalSecondaryIndexes.map((index) => ({
        IndexName: index.IndexName,
        KeySchema: index.KeySchema,
        Projection: projectionOf(index),
      }));
    }
    if (table.localSecondaryIndexes.length > 0) {
      input.LocalSecondaryIndexes = table.localSecondaryIndexes.map((index) => ({
        IndexName: index.IndexName,
        KeySchema: index.KeySchema,
        Projection: projectionOf(index),
      }));
    }
    try {
      await client.send(new CreateTableCommand(input));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
      continue;
    }
    await waitUntilActive(client, table.name);
    if (table.ttlAttribute) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: table.name,
          TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
        }),
      );
    }
  }
}

async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}
