import { randomUUID } from 'node:crypto';
import { BatchWriteItemCommand, CreateTableCommand, DeleteTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { type Dollars } from './cost-model.js';
import { PRICES } from './prices.js';
import { log, round } from './support.js';

/**
 * The design of the AWS WebSocket chat sample (aws-samples/simple-websockets-chat-app),
 * re-implemented from its description: `$connect` puts `{connectionId}` into a table,
 * `$disconnect` deletes it, and `sendmessage` SCANs the whole table and posts the message to
 * every connection (one chat room, no history, no per-user delivery).
 *
 * Per message: 1 WebSocket message in, 1 Lambda invocation, one Scan of all N connection items
 * (eventually consistent: 0.5 RRU per 4 KB read, rounded up per 1 MB page), N posts = N
 * WebSocket messages out (the sender included, as the sample does).
 */
export const BASELINE_ASSUMPTIONS = {
  /** Size of one connection item as DynamoDB bills reads: attribute name `connectionId` (12 B) + a 16-character API Gateway connection id. */
  connectionItemBytes: 12 + 16,
  lambdaMemoryMb: 128,
  /** Handler duration: fixed part plus posting (in parallel, sample code uses Promise.all). */
  lambdaBaseMs: 30,
  lambdaMsPerPost: 0.5,
};

export interface BaselinePoint {
  users: number;
  scanRru: number;
  /** RRU DynamoDB Local reported for the same Scan (measured), when measured. */
  measuredScanRru?: number;
  posts: number;
  dollars: Dollars;
}

export function baselineMessage(users: number, measuredScanRru?: number): BaselinePoint {
  const a = BASELINE_ASSUMPTIONS;
  const pageBytes = 1024 * 1024;
  const totalBytes = users * a.connectionItemBytes;
  const pages = Math.max(1, Math.ceil(totalBytes / pageBytes));
  // Each page is billed on its own bytes, rounded up to 4 KB, eventually consistent = half.
  let scanRru = 0;
  for (let page = 0; page < pages; page++) {
    const bytes = Math.min(pageBytes, totalBytes - page * pageBytes);
    scanRru += Math.max(1, Math.ceil(bytes / 4096)) * 0.5;
  }
  const p = PRICES.aws;
  const dynamoDb = (scanRru * p.dynamoDb.perMillionReadRequestUnits) / 1e6;
  const gbSeconds = ((a.lambdaBaseMs + a.lambdaMsPerPost * users) / 1000) * (a.lambdaMemoryMb / 1024);
  const lambda = p.lambda.perMillionRequests / 1e6 + gbSeconds * p.lambda.perGbSecondArm64;
  const apiGateway = ((1 + users) * p.apiGatewayWebSocket.perMillionMessages) / 1e6;
  return {
    users,
    scanRru,
    ...(measuredScanRru !== undefined ? { measuredScanRru } : {}),
    posts: users,
    dollars: { dynamoDb, lambda, sqs: 0, apiGateway, total: dynamoDb + lambda + apiGateway },
  };
}

/** A small measured run: a table of N connection items in DynamoDB Local, scanned as the sample does. */
export async function measureBaselineScans(dynamoDbEndpoint: string, sizes: readonly number[]): Promise<Record<number, number>> {
  const client = new DynamoDBClient({ endpoint: dynamoDbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  const TableName = `bench-baseline-connections-${randomUUID().slice(0, 8)}`;
  const measured: Record<number, number> = {};
  try {
    await client.send(
      new CreateTableCommand({ TableName, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'connectionId', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'connectionId', KeyType: 'HASH' }] }),
    );
    let count = 0;
    for (const size of [...sizes].sort((a, b) => a - b)) {
      while (count < size) {
        const batch = Array.from({ length: Math.min(25, size - count) }, () => ({ PutRequest: { Item: { connectionId: { S: randomUUID().replace(/-/g, '').slice(0, 16) } } } }));
        await client.send(new BatchWriteItemCommand({ RequestItems: { [TableName]: batch } }));
        count += batch.length;
      }
      let rru = 0;
      let ExclusiveStartKey: Record<string, any> | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName, ProjectionExpression: 'connectionId', ReturnConsumedCapacity: 'TOTAL', ExclusiveStartKey }));
        rru += page.ConsumedCapacity?.CapacityUnits ?? 0;
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      measured[size] = round(rru, 2);
      log(`baseline: scan of ${size} connection items = ${measured[size]} RRU (DynamoDB Local)`);
    }
  } finally {
    await client.send(new DeleteTableCommand({ TableName })).catch(() => undefined);
    client.destroy();
  }
  return measured;
}
