/**
 * ChangeMessageVisibility through the plain SQS API (emulator gap-filler: emulator-visibility.ts).
 * Unpatched local-aws-sqs counts each visibility change as a receive, so a consumer that hands
 * messages back at once drives them into the dead-letter queue.
 */
import { ChangeMessageVisibilityBatchCommand, ChangeMessageVisibilityCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFifoQueue, sendFifo } from './fifo-harness.js';
import { createWorkQueue, receiveAll, sendBodies, startHarness, TEST_TIMEOUT_MS, type Harness } from './harness.js';
import { waitFor } from './wait-for.js';

async function receiveOne(client: SQSClient, queueUrl: string) {
  const { Messages = [] } = await client.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 5, AttributeNames: ['All'] }),
  );
  expect(Messages).toHaveLength(1);
  return Messages[0]!;
}

describe('local SQS: ChangeMessageVisibility', { timeout: TEST_TIMEOUT_MS }, () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await harness.stop();
  });

  it('hands a message back at once without counting a receive, so a DLQ threshold counts receives only', async () => {
    const { client } = harness;
    const { queue, dlq } = await createWorkQueue(client, 'handback', { visibilityTimeoutSeconds: 60, maxReceiveCount: 5 });
    await sendBodies(client, queue.url, ['job']);
    for (let receive = 1; receive <= 3; receive++) {
      const message = await receiveOne(client, queue.url);
      expect(message.Attributes?.ApproximateReceiveCount).toBe(String(receive));
      await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 }));
    }
    // Three receives and three hand-backs are three of the five receives the DLQ threshold allows.
    expect(await receiveAll(client, dlq.url)).toEqual([]);
    expect((await receiveOne(client, queue.url)).Attributes?.ApproximateReceiveCount).toBe('4');
  });

  it('the batch form on a FIFO queue: handed-back messages come again in group order, counted once per receive', async () => {
    const { client } = harness;
    const { queue } = await createFifoQueue(client, 'handback-fifo', { visibilityTimeoutSeconds: 60 });
    await sendFifo(client, queue.url, [
      { body: 'a-1', group: 'a' },
      { body: 'a-2', group: 'a' },
    ]);
    const { Messages = [] } = await client.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 5, AttributeNames: ['All'] }));
    expect(Messages.map((m) => m.Body)).toEqual(['a-1', 'a-2']);
    const { Failed } = await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queue.url,
        Entries: Messages.map((m, index) => ({ Id: String(index), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
      }),
    );
    expect(Failed ?? []).toEqual([]);
    const again: Message[] = [];
    await waitFor(async () => {
      const { Messages: next = [] } = await client.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, AttributeNames: ['All'] }));
      again.push(...next);
      return again.length >= 2;
    });
    expect(again.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([
      ['a-1', '2'],
      ['a-2', '2'],
    ]);
  });
});
