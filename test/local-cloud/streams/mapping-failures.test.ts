import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FunctionError } from '../../../local-cloud/lambda/invoker.js';
import { sqsFailureDestination } from '../../../local-cloud/streams/on-failure-destination.js';
import { type SqsServer, startSqsServer } from '../../../local-cloud/sqs/sqs-server.js';
import { keyOf, RecordingFunction, REGION, StreamHarness } from './harness.js';

const refuse = (what: string) => {
  throw new FunctionError('consumer', 'Error', `refused ${what}`);
};

describe('DynamoDB stream mapping: failures block the shard, retry as Lambda does, and end on the on-failure destination', () => {
  let harness: StreamHarness;
  let sqsServer: SqsServer;
  let sqs: SQSClient;
  beforeAll(async () => {
    sqsServer = await startSqsServer();
    sqs = new SQSClient({ endpoint: sqsServer.endpoint, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });
  afterAll(async () => {
    sqs.destroy();
    await sqsServer.stop();
  });
  beforeEach(() => {
    harness = new StreamHarness();
  });
  afterEach(async () => harness.stop());

  async function dlq(name: string) {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-${Date.now()}` }));
    const arn = `arn:aws:sqs:${REGION}:000000000000:${name}`;
    return {
      destination: sqsFailureDestination(sqs, QueueUrl!, arn),
      async messages() {
        const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
        return (Messages ?? []).map((message) => JSON.parse(message.Body!));
      },
    };
  }

  it('a partial batch response retries from the lowest reported record; nothing before it is delivered again', async () => {
    const table = await harness.table();
    const fn = new RecordingFunction((event, call) => {
      if (call !== 1) return { batchItemFailures: [] };
      // Report the 4th and the 3rd: Lambda checkpoints before the lower one.
      const [, , third, fourth] = event.Records;
      return { batchItemFailures: [{ itemIdentifier: fourth!.dynamodb!.SequenceNumber }, { itemIdentifier: third!.dynamodb!.SequenceNumber }] };
    });
    await harness.mapping(table, fn, { reportBatchItemFailures: true, batchSize: 10, maximumBatchingWindowMs: 1_000 });
    await table.putMany([1, 2, 3, 4, 5].map((sk) => ({ pk: 'p', sk })));
    await harness.drained();
    expect(fn.invocations.map((invocation) => invocation.keys)).toEqual([
      ['p#1', 'p#2', 'p#3', 'p#4', 'p#5'],
      ['p#3', 'p#4', 'p#5'],
    ]);
  });

  it('without ReportBatchItemFailures a batch response is ignored; an unknown itemIdentifier fails the whole batch', async () => {
    const ignored = await harness.table();
    const ignoring = new RecordingFunction((event) => ({ batchItemFailures: [{ itemIdentifier: event.Records[0]!.dynamodb!.SequenceNumber }] }));
    await harness.mapping(ignored, ignoring, { reportBatchItemFailures: false });
    await ignored.put('i', 1);

    const invalid = await harness.table();
    const answering = new RecordingFunction((_event, call) => (call === 1 ? { batchItemFailures: [{ itemIdentifier: '999999999999999999999' }] } : undefined));
    await harness.mapping(invalid, answering, { reportBatchItemFailures: true });
    await invalid.put('v', 1);
    await harness.drained();
    expect(ignoring.invocations.map((invocation) => invocation.keys)).toEqual([['i#1']]);
    expect(answering.invocations.map((invocation) => invocation.keys)).toEqual([['v#1'], ['v#1']]);
  });

  it('a throwing function blocks its shard until it succeeds: later records wait, then everything arrives in order', async () => {
    const table = await harness.table();
    let healthy = false;
    const fn = new RecordingFunction((event) => {
      if (!healthy && event.Records.some((record) => keyOf(record) === 'k#2')) refuse('k#2');
    });
    await harness.mapping(table, fn, { batchSize: 1 });
    await table.put('k', 1);
    await table.put('k', 2);
    await table.put('k', 3);
    await table.put('other', 1);
    await expect.poll(() => fn.invocations.filter((invocation) => invocation.keys[0] === 'k#2').length).toBeGreaterThanOrEqual(3);
    // Retried, never skipped: nothing after k#2 reached the function while it failed.
    expect(new Set(fn.delivered)).toEqual(new Set(['k#1', 'k#2']));
    healthy = true;
    await harness.drained();
    const firstSeen = fn.delivered.filter((key, index) => fn.delivered.indexOf(key) === index);
    expect(firstSeen).toEqual(['k#1', 'k#2', 'k#3', 'other#1']);
    expect(fn.delivered.filter((key) => key !== 'k#2')).toEqual(['k#1', 'k#3', 'other#1']);
  });

  it('retries exhausted: 1 + MaximumRetryAttempts invocations, then the failure record on the queue, and the shard goes on', async () => {
    const table = await harness.table();
    const queue = await dlq('exhausted');
    const fn = new RecordingFunction((event) => {
      if (event.Records.some((record) => keyOf(record) === 'x#2')) refuse('x#2');
    });
    const mapping = await harness.mapping(table, fn, { maximumRetryAttempts: 2, onFailure: queue.destination, batchSize: 10, maximumBatchingWindowMs: 1_000 });
    await table.putMany([1, 2, 3].map((sk) => ({ pk: 'x', sk })));
    await harness.drained();
    await table.put('x', 4);
    await harness.drained();

    expect(fn.invocations.map((invocation) => invocation.keys)).toEqual([['x#1', 'x#2', 'x#3'], ['x#1', 'x#2', 'x#3'], ['x#1', 'x#2', 'x#3'], ['x#4']]);
    const messages = await queue.messages();
    expect(messages).toHaveLength(1);
    const [first, , last] = fn.invocations[0]!.records;
    expect(messages[0]).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3, functionArn: `arn:aws:lambda:${REGION}:123456789012:function:consumer` },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      DDBStreamBatchInfo: {
        startSequenceNumber: first!.dynamodb!.SequenceNumber,
        endSequenceNumber: last!.dynamodb!.SequenceNumber,
        batchSize: 3,
        streamArn: table.streamArn,
        shardId: expect.stringMatching(/^shardId-/),
      },
    });
    expect(mapping.failures).toEqual(messages);
  });

  it('BisectBatchOnFunctionError isolates the bad record: the halves go in order, splits do not count as retries', async () => {
    const table = await harness.table();
    const queue = await dlq('bisect');
    const fn = new RecordingFunction((event) => {
      if (event.Records.some((record) => keyOf(record) === 'b#3')) refuse('b#3');
    });
    await harness.mapping(table, fn, { bisectBatchOnFunctionError: true, maximumRetryAttempts: 0, onFailure: queue.destination, batchSize: 10, maximumBatchingWindowMs: 1_000 });
    await table.putMany([1, 2, 3, 4].map((sk) => ({ pk: 'b', sk })));
    await harness.drained();

    expect(fn.invocations.map((invocation) => invocation.keys)).toEqual([
      ['b#1', 'b#2', 'b#3', 'b#4'],
      ['b#1', 'b#2'],
      ['b#3', 'b#4'],
      ['b#3'],
      ['b#4'],
    ]);
    const messages = await queue.messages();
    const bad = fn.invocations[3]!.records[0]!.dynamodb!.SequenceNumber;
    expect(messages.map((message) => [message.requestContext.condition, message.DDBStreamBatchInfo.startSequenceNumber, message.DDBStreamBatchInfo.endSequenceNumber, message.DDBStreamBatchInfo.batchSize])).toEqual([
      ['RetryAttemptsExhausted', bad, bad, 1],
    ]);
  });

  it('MaximumRecordAgeInSeconds: a failing record older than that is discarded (RecordAgeExceeded) and the shard goes on', async () => {
    const table = await harness.table();
    const queue = await dlq('age');
    let offsetMs = 0;
    const fn = new RecordingFunction((event) => {
      if (event.Records.some((record) => keyOf(record) === 'old#1')) refuse('old#1');
    });
    await harness.mapping(table, fn, { maximumRecordAgeSeconds: 60, onFailure: queue.destination, batchSize: 1, now: () => Date.now() + offsetMs });
    await table.put('old', 1);
    await expect.poll(() => fn.invocations.length).toBeGreaterThanOrEqual(2);
    // The record turns 61 seconds old: the next attempt discards it instead of invoking.
    offsetMs = 61_000;
    const mapping = harness.mappings[0]!;
    await expect.poll(() => mapping.failures.length).toBe(1);
    offsetMs = 0;
    const invocationsOfOld = fn.invocations.length;
    await table.put('young', 1);
    await harness.drained();
    const messages = await queue.messages();
    expect(messages).toHaveLength(1);
    expect(messages[0].requestContext).toMatchObject({ condition: 'RecordAgeExceeded', approximateInvokeCount: invocationsOfOld });
    expect(messages[0].responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
    expect(messages[0].DDBStreamBatchInfo).toMatchObject({ batchSize: 1, startSequenceNumber: fn.invocations[0]!.records[0]!.dynamodb!.SequenceNumber });
    // The shard moved on: the next record was delivered once, after old#1 was given up.
    expect(fn.delivered.slice(invocationsOfOld)).toEqual(['young#1']);
  });

  it('a record already too old when read is discarded before any invocation (no responseContext)', async () => {
    const table = await harness.table();
    await table.put('stale', 1);
    const fn = new RecordingFunction();
    const mapping = await harness.mapping(table, fn, { maximumRecordAgeSeconds: 60, now: () => Date.now() + 3_600_000 });
    await harness.drained();
    expect(fn.invocations).toEqual([]);
    expect(mapping.failures).toHaveLength(1);
    expect(mapping.failures[0]!.requestContext).toMatchObject({ condition: 'RecordAgeExceeded', approximateInvokeCount: 0 });
    expect(mapping.failures[0]!.responseContext).toBeUndefined();
  });
});
