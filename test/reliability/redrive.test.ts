import { DeleteItemCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf } from '../../functions/fan-out/partitions.js';
import { LOCAL_CREDENTIALS, type LocalCloud } from '../../local-cloud/local-cloud.js';
import { waitForQueuesIdle } from '../support/fan-out-idle.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { syncAll } from '../support/timeline-reader.js';
import type { TestClient } from '../support/ws-client.js';
import { NO_RATE_LIMITS } from './harness.js';

/**
 * A fan-out job that failed for one recipient ends in the dead-letter queue after it was delivered
 * to the others. The dead-letter queue keeps it 14 days; delivery claims used to expire after 5, so
 * a redrive after day 5 wrote a second copy for everyone already served. Every delivery claim is
 * now kept, so a redrive is safe at any age (docs/operations.md, FanOutDeadLetters).
 */
describe('dead-letter redrive', () => {
  let cloud: LocalCloud;
  const clients: TestClient[] = [];
  const tag = `${process.pid}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    cloud = await startTestCloud({ queueAttributes: { VisibilityTimeout: '2' }, functionEnvironment: NO_RATE_LIMITS });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  /** Users whose deliveries travel in one job: the same recipient partition. */
  function samePartition(count: number): string[] {
    const users: string[] = [];
    for (let n = 0; users.length < count; n++) {
      const candidate = `member${n}-${tag}`;
      if (users.length === 0 || partitionOf(candidate) === partitionOf(users[0]!)) users.push(candidate);
    }
    return users;
  }

  /** What DynamoDB's TTL will have deleted by `days` from now. */
  async function expireClaimsUntil(days: number): Promise<number> {
    const dynamo = new DynamoDBClient({ endpoint: cloud.dynamoDbEndpoint, region: cloud.model.region, credentials: LOCAL_CREDENTIALS });
    try {
      const TableName = cloud.tableName('MessagingClaims');
      const horizon = Math.floor(Date.now() / 1000) + days * 86_400;
      const { Items = [] } = await dynamo.send(new ScanCommand({ TableName, ConsistentRead: true }));
      const expired = Items.filter((item) => item.expiresAt?.N !== undefined && Number(item.expiresAt.N) < horizon);
      for (const item of expired) await dynamo.send(new DeleteItemCommand({ TableName, Key: { claimId: item.claimId! } }));
      return expired.length;
    } finally {
      dynamo.destroy();
    }
  }

  it('a job redriven after the old claim lifetime writes nothing twice', async () => {
    const owner = `owner-${tag}`;
    const [served, failing, newcomer] = samePartition(3) as [string, string, string];
    const o = await connectAs(cloud, owner);
    const s = await connectAs(cloud, served);
    const f = await connectAs(cloud, failing);
    clients.push(o, s, f);
    const group = await o.request('createGroup', { title: 'redrive', members: [served, failing] });
    expect(group.ok, JSON.stringify(group)).toBe(true);
    const conversationId = group.data.conversationId as string;
    await waitForQueuesIdle(cloud);

    // The membership change reaches `served`, and fails for `failing` until SQS gives up on it.
    cloud.lambda.faults.inject({ step: 'fanout:seq-allocated', action: 'throw', functionName: 'FanOutWorker', when: (detail) => detail.userId === failing });
    const added = await o.request('addMembers', { conversationId, members: [newcomer] });
    expect(added.ok, JSON.stringify(added)).toBe(true);
    const sqs = new SQSClient({ endpoint: cloud.sqsEndpoint, region: cloud.model.region, credentials: LOCAL_CREDENTIALS });
    try {
      const deadLetters = cloud.model.queues.find((queue) => cloud.model.queues.some((source) => source.redrive?.deadLetterLogicalId === queue.logicalId && /FanOut/.test(source.logicalId)))!;
      const deadLetterUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: deadLetters.name }))).QueueUrl!;
      const waiting = async () =>
        Number((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes?.ApproximateNumberOfMessages ?? 0);
      await expect.poll(waiting, { timeout: 120_000, interval: 500 }).toBeGreaterThan(0);
      const addedItems = async (client: TestClient) =>
        (await syncAll(client)).filter((item) => item.type === 'system' && item.system?.conversationId === conversationId && item.system.event === 'membersAdded');
      expect(await addedItems(s)).toHaveLength(1);
      expect(await addedItems(f)).toHaveLength(0);

      // Six days later the cause is fixed and the operator moves the jobs back (docs/operations.md).
      await expireClaimsUntil(6);
      cloud.lambda.faults.clear();
      const deadLetterArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
      await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: deadLetterArn }));
      await expect.poll(waiting, { timeout: 60_000, interval: 300 }).toBe(0);
      await waitForQueuesIdle(cloud);

      await expect.poll(async () => (await addedItems(f)).length, { timeout: 60_000, interval: 300 }).toBe(1);
      expect(await addedItems(s)).toHaveLength(1);
    } finally {
      sqs.destroy();
    }
  });
});
