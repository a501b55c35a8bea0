import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { DeleteItemCommand, DescribeTableCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../../local-cloud/local-cloud.js';
import type { StreamViewType } from '../../../local-cloud/template/cloud-model.js';
import { startTestCloud } from '../../support/test-cloud.js';
import { idOf, synthStreamFixture, VIEW_TYPES } from './fixture-stack.js';

/** Lambda events captured from AWS (test/fixtures/aws-events/README.md). */
const captured = JSON.parse(readFileSync(new URL('../../fixtures/aws-events/dynamodb-streams.json', import.meta.url), 'utf8')) as Record<
  StreamViewType,
  Record<'INSERT' | 'MODIFY' | 'REMOVE', DynamoDBStreamEvent>
>;

const STREAM_ARN = /^arn:aws:dynamodb:[a-z0-9-]+:\d{12}:table\/[^/]+\/stream\/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/;
const credentials = { accessKeyId: 'streamtests', secretAccessKey: 'local' };

/** The records every consumer of the fixture logged, in the order it got them, per function. */
function eventsOf(cloud: LocalCloud, functionName: string): DynamoDBStreamEvent[] {
  return cloud.logs
    .filter((entry) => entry.functionName === functionName && entry.line.includes('EVENT {'))
    .map((entry) => JSON.parse(entry.line.slice(entry.line.indexOf('EVENT ') + 6)) as DynamoDBStreamEvent);
}

describe('DynamoDB Streams through the local cloud (a CDK stack with DynamoEventSource consumers)', () => {
  let cloud: LocalCloud;
  let templatePath: string;
  let dynamo: DynamoDBClient;
  let sqs: SQSClient;
  const consumer = (viewType: StreamViewType) => cloud.model.functions.find((fn) => fn.logicalId.startsWith(`${idOf(viewType)}Consumer`))!.name;
  const records = (viewType: StreamViewType): DynamoDBRecord[] => eventsOf(cloud, consumer(viewType)).flatMap((event) => event.Records);
  const table = (viewType: StreamViewType) => cloud.tableName(`${idOf(viewType)}Table`);

  beforeAll(async () => {
    templatePath = synthStreamFixture();
    cloud = await startTestCloud({ templatePath });
    dynamo = new DynamoDBClient({ endpoint: cloud.dynamoDbEndpoint, region: cloud.model.region, credentials });
    sqs = new SQSClient({ endpoint: cloud.sqsEndpoint, region: cloud.model.region, credentials });
  });
  afterAll(async () => {
    dynamo?.destroy();
    sqs?.destroy();
    await cloud?.stop();
    if (templatePath) rmSync(path.dirname(templatePath), { recursive: true, force: true });
  });

  it('Fn::GetAtt [Table, StreamArn] is the stream DynamoDB Local made, under the stack\'s region and account', async () => {
    for (const viewType of VIEW_TYPES) {
      const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: table(viewType) }));
      const expected = `arn:aws:dynamodb:us-east-1:123456789012:table/${table(viewType)}/stream/${Table!.LatestStreamLabel}`;
      const fn = cloud.model.functions.find((candidate) => candidate.name === consumer(viewType))!;
      expect(fn.environment.STREAM_ARN).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/Table/), 'StreamArn'] });
      await dynamo.send(new PutItemCommand({ TableName: table(viewType), Item: { pk: { S: 'arn' }, sk: { N: '0' } } }));
      await expect.poll(() => cloud.logs.find((entry) => entry.functionName === fn.name && entry.line.startsWith('ENV '))?.line).toBe(`ENV ${expected}`);
    }
  });

  it('INSERT, MODIFY and REMOVE records have the keys, key order, types and formats of events captured from AWS, per view type', async () => {
    for (const viewType of VIEW_TYPES) {
      const name = table(viewType);
      const key = { pk: { S: 'shape' }, sk: { N: '1' } };
      await dynamo.send(new PutItemCommand({ TableName: name, Item: { ...key, data: { S: 'test' } } }));
      await dynamo.send(new UpdateItemCommand({ TableName: name, Key: key, UpdateExpression: 'SET #d = :d', ExpressionAttributeNames: { '#d': 'data' }, ExpressionAttributeValues: { ':d': { S: 'hello' } } }));
      await dynamo.send(new DeleteItemCommand({ TableName: name, Key: key }));
    }
    await cloud.streams.drained();
    for (const viewType of VIEW_TYPES) {
      await expect.poll(() => records(viewType).filter((record) => record.dynamodb?.Keys?.pk?.S === 'shape').length).toBe(3);
      const ours = records(viewType).filter((record) => record.dynamodb?.Keys?.pk?.S === 'shape');
      expect(ours.map((record) => record.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
      for (const record of ours) {
        const aws = captured[viewType][record.eventName!].Records[0]!;
        const where = `${viewType} ${record.eventName}`;
        expect(Object.keys(record), where).toEqual(Object.keys(aws));
        expect(Object.keys(record.dynamodb!), where).toEqual(Object.keys(aws.dynamodb!));
        for (const [field, value] of Object.entries(aws)) expect(typeof (record as Record<string, unknown>)[field], `${where} ${field}`).toBe(typeof value);
        for (const [field, value] of Object.entries(aws.dynamodb!)) expect(typeof (record.dynamodb as Record<string, unknown>)[field], `${where} dynamodb.${field}`).toBe(typeof value);
        for (const event of [record, aws]) {
          expect(event.eventID).toMatch(/^[0-9a-f]{32}$/);
          expect(event.eventVersion).toBe('1.1');
          expect(event.eventSource).toBe('aws:dynamodb');
          expect(event.eventSourceARN).toMatch(STREAM_ARN);
          expect(event.dynamodb!.SequenceNumber).toMatch(/^\d{21}$/);
          expect(Number.isInteger(event.dynamodb!.ApproximateCreationDateTime)).toBe(true);
          expect(event.dynamodb!.StreamViewType).toBe(viewType);
          expect(event.userIdentity).toBeUndefined();
        }
        expect(record.awsRegion).toBe('us-east-1');
        expect(record.eventSourceARN).toBe(`arn:aws:dynamodb:us-east-1:123456789012:table/${table(viewType)}/stream/${record.eventSourceARN!.split('/stream/')[1]}`);
        expect(record.dynamodb!.Keys).toEqual({ sk: { N: '1' }, pk: { S: 'shape' } });
      }
      const [insert, modify, remove] = ours;
      const image = (data: string) => ({ ...insert!.dynamodb!.Keys, data: { S: data } });
      const hasNew = viewType === 'NEW_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES';
      const hasOld = viewType === 'OLD_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES';
      expect(insert!.dynamodb!.NewImage).toEqual(hasNew ? image('test') : undefined);
      expect(modify!.dynamodb!.NewImage).toEqual(hasNew ? image('hello') : undefined);
      expect(modify!.dynamodb!.OldImage).toEqual(hasOld ? image('test') : undefined);
      expect(remove!.dynamodb!.OldImage).toEqual(hasOld ? image('hello') : undefined);
      // Sequence numbers grow in the order of the writes.
      const sequence = ours.map((record) => BigInt(record.dynamodb!.SequenceNumber!));
      expect([...sequence].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequence);
    }
  });

  it('a batch that keeps failing goes to the on-failure queue as AWS\'s failure record, and the shard moves on', async () => {
    const viewType = 'NEW_AND_OLD_IMAGES';
    const name = table(viewType);
    await dynamo.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'poison' }, sk: { N: '1' }, fail: { S: 'always' } } }));
    await cloud.streams.drained();
    await dynamo.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'after-poison' }, sk: { N: '1' } } }));
    await cloud.streams.drained();

    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: cloud.model.queues.find((queue) => queue.logicalId.startsWith('Dlq'))!.name }));
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect(Messages).toHaveLength(1);
    const failure = JSON.parse(Messages![0]!.Body!);
    const poisonRecords = records(viewType).filter((record) => record.dynamodb?.Keys?.pk?.S === 'poison');
    const sequenceNumber = poisonRecords[0]!.dynamodb!.SequenceNumber!;
    // retryAttempts: 1 in the fixture: the first invocation and one retry.
    expect(poisonRecords).toHaveLength(2);
    expect(Object.keys(failure)).toEqual(['requestContext', 'responseContext', 'version', 'timestamp', 'DDBStreamBatchInfo']);
    expect(failure.requestContext).toEqual({
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${consumer(viewType)}`,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 2,
    });
    expect(failure.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
    expect(failure.version).toBe('1.0');
    expect(failure.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(failure.DDBStreamBatchInfo).toEqual({
      shardId: expect.stringMatching(/^shardId-/),
      startSequenceNumber: sequenceNumber,
      endSequenceNumber: sequenceNumber,
      approximateArrivalOfFirstRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      approximateArrivalOfLastRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      batchSize: 1,
      streamArn: poisonRecords[0]!.eventSourceARN,
    });
    expect(cloud.streams.failures.map((record) => record.DDBStreamBatchInfo.startSequenceNumber)).toContain(sequenceNumber);
    // The record after it was delivered: the discarded batch no longer blocks the shard.
    expect(records(viewType).some((record) => record.dynamodb?.Keys?.pk?.S === 'after-poison')).toBe(true);
  });
});
