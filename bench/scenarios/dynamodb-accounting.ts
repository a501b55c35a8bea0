import { CreateTableCommand, DeleteTableCommand, DynamoDBClient, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { log } from '../support.js';

export interface GsiAccounting {
  /** ConsumedCapacity TOTAL of a PutItem on a table with one GSI that the item appears in. */
  putWithIndex: number;
  /** UpdateItem that changes a projected attribute. */
  updateProjected: number;
  /** UpdateItem that changes only an attribute the index does not project. */
  updateNotProjected: number;
  /** Query of the index that matches nothing (AWS bills 0.5 RRU). */
  emptyQuery: number;
  conclusion: string;
}

/** Checks how DynamoDB Local reports GSI writes and empty queries, on a scratch table. */
export async function checkGsiAccounting(endpoint: string): Promise<GsiAccounting> {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  const TableName = `bench-gsi-check-${Date.now()}`;
  const cap = (r: { ConsumedCapacity?: { CapacityUnits?: number } }) => r.ConsumedCapacity?.CapacityUnits ?? NaN;
  try {
    await client.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'connectionId', AttributeType: 'S' },
          { AttributeName: 'userId', AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: 'connectionId', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          { IndexName: 'byUser', KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }, { AttributeName: 'connectionId', KeyType: 'RANGE' }], Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['expiresAt'] } },
        ],
      }),
    );
    const Key = { connectionId: { S: 'c1' } };
    const putWithIndex = cap(await client.send(new PutItemCommand({ TableName, Item: { ...Key, userId: { S: 'u1' }, expiresAt: { N: '1' } }, ReturnConsumedCapacity: 'TOTAL' })));
    const updateProjected = cap(
      await client.send(new UpdateItemCommand({ TableName, Key, UpdateExpression: 'SET expiresAt = :v', ExpressionAttributeValues: { ':v': { N: '2' } }, ReturnConsumedCapacity: 'TOTAL' })),
    );
    const updateNotProjected = cap(
      await client.send(new UpdateItemCommand({ TableName, Key, UpdateExpression: 'SET lastSeenAt = :v', ExpressionAttributeValues: { ':v': { N: '2' } }, ReturnConsumedCapacity: 'TOTAL' })),
    );
    const emptyQuery = cap(
      await client.send(new QueryCommand({ TableName, IndexName: 'byUser', KeyConditionExpression: 'userId = :u', ExpressionAttributeValues: { ':u': { S: 'nobody' } }, ReturnConsumedCapacity: 'TOTAL' })),
    );
    const conclusion =
      putWithIndex === 2 && updateProjected === 2 && updateNotProjected === 1
        ? 'DynamoDB Local includes GSI write units in ConsumedCapacity TOTAL (1 table + 1 index for a write that touches the index), as AWS does: measured WRU already contain the GSI writes.'
        : `Unexpected GSI accounting (put ${putWithIndex}, projected update ${updateProjected}, other update ${updateNotProjected}): check measured WRU against the design.`;
    log(`DynamoDB Local accounting: put ${putWithIndex}, projected update ${updateProjected}, other update ${updateNotProjected}, empty query ${emptyQuery} RRU`);
    return { putWithIndex, updateProjected, updateNotProjected, emptyQuery, conclusion };
  } finally {
    await client.send(new DeleteTableCommand({ TableName })).catch(() => undefined);
    client.destroy();
  }
}
