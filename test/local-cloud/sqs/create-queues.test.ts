import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createQueues, inDependencyOrder, type QueueSpec } from '../../../local-cloud/sqs/create-queues.js';
import { startHarness, TEST_TIMEOUT_MS, type Harness, receiveAll } from './harness.js';
import { waitFor } from './wait-for.js';

describe('createQueues', { timeout: TEST_TIMEOUT_MS }, () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await harness.stop();
  });

  const specs: QueueSpec[] = [
    // Listed before its dead-letter queue on purpose.
    {
      logicalId: 'FanOut',
      name: 'fan-out',
      attributes: { VisibilityTimeout: '1', MessageRetentionPeriod: '3600', DelaySeconds: '0', ReceiveMessageWaitTimeSeconds: '0' },
      redrive: { deadLetterLogicalId: 'FanOutDlq', maxReceiveCount: 2 },
    },
    { logicalId: 'FanOutDlq', name: 'fan-out-dlq', attributes: { MessageRetentionPeriod: '1209600' } },
    {
      logicalId: 'Ordered',
      name: 'ordered.fifo',
      attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
    },
  ];

  it('creates dead-letter queues first and points the RedrivePolicy at their real ARN', async () => {
    const queues = await createQueues(harness.client, specs);

    expect([...queues.keys()].sort()).toEqual(['FanOut', 'FanOutDlq', 'Ordered']);
    const dlq = queues.get('FanOutDlq')!;
    expect(dlq).toEqual({
      name: 'fan-out-dlq',
      url: `${harness.server.endpoint}/123456789012/fan-out-dlq`,
      arn: 'arn:aws:sqs:us-east-1:123456789012:fan-out-dlq',
    });

    const { Attributes } = await harness.client.send(
      new GetQueueAttributesCommand({ QueueUrl: queues.get('FanOut')!.url, AttributeNames: ['All'] }),
    );
    expect(Attributes).toMatchObject({ VisibilityTimeout: '1', MessageRetentionPeriod: '3600', DelaySeconds: '0' });
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 });

    const fifo = await harness.client.send(
      new GetQueueAttributesCommand({ QueueUrl: queues.get('Ordered')!.url, AttributeNames: ['All'] }),
    );
    expect(fifo.Attributes).toMatchObject({ FifoQueue: 'true', ContentBasedDeduplication: 'true' });
  });

  it('gives a working redrive: after maxReceiveCount receives the message is in the DLQ', async () => {
    const queues = await createQueues(harness.client, specs);
    const source = queues.get('FanOut')!.url;
    const dlq = queues.get('FanOutDlq')!.url;
    await harness.client.send(new SendMessageCommand({ QueueUrl: source, MessageBody: 'poison' }));

    let receives = 0;
    const dlqMessages: string[] = [];
    await waitFor(async () => {
      const { Messages } = await harness.client.send(new ReceiveMessageCommand({ QueueUrl: source, WaitTimeSeconds: 1 }));
      receives += Messages?.length ?? 0; // never deleted: it fails every time
      dlqMessages.push(...(await receiveAll(harness.client, dlq)).map((m) => m.Body ?? ''));
      return dlqMessages.length > 0;
    }, 20_000, 'the message to reach the DLQ');

    expect(receives).toBe(2);
    expect(dlqMessages).toEqual(['poison']);
  });

  it('rejects unknown dead-letter queues, redrive cycles and duplicate ids before creating anything', () => {
    const dlqMissing: QueueSpec[] = [
      { logicalId: 'A', name: 'a', attributes: {}, redrive: { deadLetterLogicalId: 'Nope', maxReceiveCount: 1 } },
    ];
    expect(() => inDependencyOrder(dlqMissing)).toThrow(/unknown dead-letter queue Nope/);
    const cycle: QueueSpec[] = [
      { logicalId: 'A', name: 'a', attributes: {}, redrive: { deadLetterLogicalId: 'B', maxReceiveCount: 1 } },
      { logicalId: 'B', name: 'b', attributes: {}, redrive: { deadLetterLogicalId: 'A', maxReceiveCount: 1 } },
    ];
    expect(() => inDependencyOrder(cycle)).toThrow(/cycle/);
    expect(() => inDependencyOrder([cycle[0]!, { ...cycle[0]! }])).toThrow(/Duplicate/);
  });

  it('orders a chain of dead-letter queues', () => {
    const chain: QueueSpec[] = [
      { logicalId: 'A', name: 'a', attributes: {}, redrive: { deadLetterLogicalId: 'B', maxReceiveCount: 1 } },
      { logicalId: 'B', name: 'b', attributes: {}, redrive: { deadLetterLogicalId: 'C', maxReceiveCount: 1 } },
      { logicalId: 'C', name: 'c', attributes: {} },
    ];
    expect(inDependencyOrder(chain).map((spec) => spec.logicalId)).toEqual(['C', 'B', 'A']);
  });
});
