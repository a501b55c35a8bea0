import { createHash } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FunctionError } from '../../../local-cloud/lambda/invoker.js';
import type { SqsEventSourceMapping } from '../../../local-cloud/sqs/event-source-mapping.js';
import { createWorkQueue, DeliveryLog, startHarness, startMapping, TEST_TIMEOUT_MS, type Harness } from './harness.js';
import { waitFor } from './wait-for.js';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const DIGITS = /^\d+$/;

describe('SqsEventSourceMapping: the event', { timeout: TEST_TIMEOUT_MS }, () => {
  let harness: Harness;
  let mapping: SqsEventSourceMapping | undefined;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await mapping?.stop();
    await harness.stop();
  });

  it('is a Lambda SQS event with every field, typed as AWS sends it', async () => {
    const { queue } = await createWorkQueue(harness.client, 'shape');
    const events: SQSEvent[] = [];
    ({ mapping } = startMapping(harness, queue, (event) => void events.push(event)));

    const body = JSON.stringify({ conversationId: 'c-1', text: 'héllo' });
    const sent = await harness.client.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: body,
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'group-fan-out' },
          members: { DataType: 'Number', StringValue: '42' },
          raw: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) },
        },
      }),
    );
    await harness.client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'plain' }));
    await waitFor(() => events.flatMap((e) => e.Records).length === 2, undefined, 'both messages');

    const records = events.flatMap((e) => e.Records);
    const withAttributes = records.find((r) => r.body === body)!;
    expect(Object.keys(withAttributes)).toEqual([
      'messageId',
      'receiptHandle',
      'body',
      'attributes',
      'messageAttributes',
      'md5OfBody',
      'md5OfMessageAttributes',
      'eventSource',
      'eventSourceARN',
      'awsRegion',
    ]);
    expect(withAttributes).toMatchObject({
      messageId: sent.MessageId,
      body,
      md5OfBody: md5(body),
      md5OfMessageAttributes: sent.MD5OfMessageAttributes,
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:shape',
      awsRegion: 'us-east-1',
      messageAttributes: {
        kind: { stringValue: 'group-fan-out', stringListValues: [], binaryListValues: [], dataType: 'String' },
        members: { stringValue: '42', stringListValues: [], binaryListValues: [], dataType: 'Number' },
        raw: { binaryValue: Buffer.from([1, 2, 3]).toString('base64'), stringListValues: [], binaryListValues: [], dataType: 'Binary' },
      },
    });
    expect(withAttributes.receiptHandle).toEqual(expect.any(String));
    const attributes = withAttributes.attributes;
    expect(attributes.ApproximateReceiveCount).toBe('1');
    expect(attributes.SentTimestamp).toMatch(DIGITS);
    expect(attributes.ApproximateFirstReceiveTimestamp).toMatch(DIGITS);
    expect(Number(attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(Number(attributes.SentTimestamp));
    expect(attributes.SenderId).toEqual(expect.any(String));
    for (const value of Object.values(attributes)) expect(typeof value).toBe('string');

    const plain = records.find((r) => r.body === 'plain')!;
    expect(plain).not.toHaveProperty('md5OfMessageAttributes');
    expect(plain.messageAttributes).toEqual({});
    expect(plain.md5OfBody).toBe(md5('plain'));
  });

  it('counts receives: a redelivered message has ApproximateReceiveCount 2 and a new receipt handle', async () => {
    const { queue } = await createWorkQueue(harness.client, 'redelivery');
    const log = new DeliveryLog();
    ({ mapping } = startMapping(harness, queue, (event) => {
      log.record(event);
      if (event.Records.some((r) => r.attributes.ApproximateReceiveCount === '1')) {
        throw new FunctionError('fan-out-worker', 'Error', 'first attempt fails');
      }
    }));
    await harness.client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'again' }));
    await waitFor(() => log.count('again') === 2, undefined, 'the redelivery');

    const [first, second] = log.of('again');
    expect(first!.receiveCount).toBe(1);
    expect(second!.receiveCount).toBe(2);
    expect(second!.messageId).toBe(first!.messageId);
    expect(second!.record.receiptHandle).not.toBe(first!.record.receiptHandle);
    expect(second!.record.attributes.ApproximateFirstReceiveTimestamp).toBe(first!.record.attributes.ApproximateFirstReceiveTimestamp);
  });

  it('carries the FIFO attributes for a FIFO queue', async () => {
    const { queue } = await createWorkQueue(harness.client, 'ordered', { fifo: true });
    const events: SQSEvent[] = [];
    ({ mapping } = startMapping(harness, queue, (event) => void events.push(event)));
    await harness.client.send(
      new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'first', MessageGroupId: 'conv-1', MessageDeduplicationId: 'd-1' }),
    );
    await waitFor(() => events.length > 0, undefined, 'the FIFO message');

    const record = events[0]!.Records[0]!;
    expect(record.eventSourceARN).toBe('arn:aws:sqs:us-east-1:123456789012:ordered.fifo');
    expect(record.attributes).toMatchObject({ MessageGroupId: 'conv-1', MessageDeduplicationId: 'd-1', ApproximateReceiveCount: '1' });
    expect(record.attributes.SequenceNumber).toMatch(DIGITS);
  });
});
