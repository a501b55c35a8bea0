/**
 * What the stream mapping tests need: a table with a stream on the run's DynamoDB Local, writes to
 * it, a mapping on its stream, and a plain function in place of the Lambda runtime that records
 * every batch it was given.
 */
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { inject } from 'vitest';
import type { FunctionInvoker } from '../../../local-cloud/lambda/invoker.js';
import type { StreamViewType } from '../../../local-cloud/template/cloud-model.js';
import { DrainClock } from '../../../local-cloud/streams/notifier.js';
import { ArnTranslation } from '../../../local-cloud/streams/stream-arns.js';
import { StreamEventSourceMapping, type StreamEventSourceMappingOptions } from '../../../local-cloud/streams/stream-event-source-mapping.js';

export const REGION = 'us-east-1';
const credentials = { accessKeyId: 'streamtests', secretAccessKey: 'local' };
let counter = 0;

export interface StreamTable {
  name: string;
  localStreamArn: string;
  /** As the stack would name it. */
  streamArn: string;
  put(pk: string, sk: number, attributes?: Record<string, string>): Promise<void>;
  putMany(items: { pk: string; sk: number }[]): Promise<void>;
  update(pk: string, sk: number, value: string): Promise<void>;
  remove(pk: string, sk: number): Promise<void>;
}

export class StreamHarness {
  readonly dynamo: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly clock = new DrainClock();

  /** On the run's shared DynamoDB Local unless told another endpoint. */
  constructor(endpoint: string = inject('dynamoDbEndpoint')) {
    this.dynamo = new DynamoDBClient({ endpoint, region: REGION, credentials });
    this.streams = new DynamoDBStreamsClient({ endpoint, region: REGION, credentials });
  }
  readonly mappings: StreamEventSourceMapping[] = [];

  async table(viewType: StreamViewType = 'NEW_AND_OLD_IMAGES'): Promise<StreamTable> {
    const name = `stream-test-${process.pid}-${Date.now()}-${++counter}`;
    const { TableDescription } = await this.dynamo.send(
      new CreateTableCommand({
        TableName: name,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'N' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: viewType },
      }),
    );
    const localStreamArn = TableDescription!.LatestStreamArn!;
    const streamArn = ArnTranslation.between(localStreamArn, `arn:aws:dynamodb:${REGION}:123456789012:table/${name}`).toStack(localStreamArn);
    const key = (pk: string, sk: number) => ({ pk: { S: pk }, sk: { N: String(sk) } });
    const dynamo = this.dynamo;
    return {
      name,
      localStreamArn,
      streamArn,
      async put(pk, sk, attributes = {}) {
        const extra = Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { S: v }]));
        await dynamo.send(new PutItemCommand({ TableName: name, Item: { ...key(pk, sk), ...extra } }));
      },
      async putMany(items) {
        for (let start = 0; start < items.length; start += 25) {
          const chunk = items.slice(start, start + 25).map((item) => ({ PutRequest: { Item: key(item.pk, item.sk) } }));
          await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [name]: chunk } }));
        }
      },
      async update(pk, sk, value) {
        await dynamo.send(
          new UpdateItemCommand({ TableName: name, Key: key(pk, sk), UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { S: value } } }),
        );
      },
      async remove(pk, sk) {
        await dynamo.send(new DeleteItemCommand({ TableName: name, Key: key(pk, sk) }));
      },
    };
  }

  async enableTtl(table: StreamTable, attribute: string): Promise<void> {
    await this.dynamo.send(new UpdateTimeToLiveCommand({ TableName: table.name, TimeToLiveSpecification: { AttributeName: attribute, Enabled: true } }));
  }

  /** An item whose TTL passed a minute ago: DynamoDB's TTL process deletes it. */
  async putExpired(table: StreamTable, pk: string, sk: number, attribute: string): Promise<void> {
    const expiry = String(Math.floor(Date.now() / 1000) - 60);
    await this.dynamo.send(new PutItemCommand({ TableName: table.name, Item: { pk: { S: pk }, sk: { N: String(sk) }, [attribute]: { N: expiry } } }));
  }

  /** A started mapping on `table` that calls `fn`; stopped by stop(). */
  async mapping(
    table: StreamTable,
    fn: FunctionInvoker,
    options: Partial<Omit<StreamEventSourceMappingOptions, 'client' | 'localStreamArn' | 'streamArn' | 'invoker'>> = {},
  ): Promise<StreamEventSourceMapping> {
    const mapping = new StreamEventSourceMapping({
      client: this.streams,
      localStreamArn: table.localStreamArn,
      streamArn: table.streamArn,
      region: REGION,
      partitionKey: 'pk',
      functionName: 'consumer',
      functionArn: `arn:aws:lambda:${REGION}:123456789012:function:consumer`,
      invoker: fn,
      startingPosition: 'TRIM_HORIZON',
      clock: this.clock,
      retryDelayMs: { first: 20, max: 200 },
      logger: () => undefined,
      ...options,
    });
    await mapping.start();
    this.mappings.push(mapping);
    return mapping;
  }

  /** Until every mapping delivered (or discarded) everything written so far. */
  async drained(): Promise<void> {
    const since = this.clock.advance();
    const controller = new AbortController();
    for (;;) {
      const pending = this.mappings.filter((mapping) => !mapping.drainedSince(since));
      if (pending.length === 0) return;
      for (const mapping of pending) mapping.nudge();
      await this.clock.changes.wait(1_000, controller.signal);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.mappings.splice(0).map((mapping) => mapping.stop()));
    this.dynamo.destroy();
    this.streams.destroy();
  }
}

export interface Invocation {
  records: DynamoDBRecord[];
  /** `pk#sk` of each record. */
  keys: string[];
}

/** A plain function in place of the Lambda runtime, recording each batch it was given. */
export class RecordingFunction implements FunctionInvoker {
  readonly invocations: Invocation[] = [];

  constructor(private readonly handler: (event: DynamoDBStreamEvent, call: number) => unknown = () => undefined) {}

  async invoke(_functionName: string, event: unknown): Promise<unknown> {
    const stream = event as DynamoDBStreamEvent;
    this.invocations.push({ records: stream.Records, keys: stream.Records.map(keyOf) });
    return this.handler(stream, this.invocations.length);
  }

  /** Keys in the order the function first saw them, one entry per delivery. */
  get delivered(): string[] {
    return this.invocations.flatMap((invocation) => invocation.keys);
  }
}

export const keyOf = (record: DynamoDBRecord): string => `${record.dynamodb?.Keys?.pk?.S}#${record.dynamodb?.Keys?.sk?.N}`;
