/**
 * FIFO deduplication (emulator gap-filler: emulator-fifo.ts). AWS drops a message whose
 * deduplication id was sent in the last 5 minutes, whether or not the first one is still in
 * the queue; unpatched local-aws-sqs forgets the id as soon as the first one is deleted.
 */
import { SendMessageCommand, type SendMessageCommandOutput } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FIFO_DEDUPLICATION_INTERVAL_MS } from '../../../local-cloud/sqs/emulator-fifo.js';
import { bodies, createFifoQueue, deleteReceived, receive, sendFifo } from './fifo-harness.js';
import { messagesIn, startHarness, TEST_TIMEOUT_MS, type Harness } from './harness.js';

describe('local SQS FIFO: deduplication', { timeout: TEST_TIMEOUT_MS }, () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    vi.useRealTimers(); // undoes vi.setSystemTime
    await harness.stop();
  });

  const send = (queueUrl: string, body: string, group: string, deduplicationId?: string): Promise<SendMessageCommandOutput> =>
    harness.client.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageGroupId: group, MessageDeduplicationId: deduplicationId }),
    );

  /** Sends `body` as d-1, receives and deletes it: the queue is empty again. */
  async function sendReceiveDelete(queueUrl: string, body = 'hello'): Promise<SendMessageCommandOutput> {
    const original = await send(queueUrl, body, 'g', 'd-1');
    const received = await receive(harness.client, queueUrl);
    expect(bodies(received)).toEqual([body]);
    await deleteReceived(harness.client, queueUrl, received);
    expect(await messagesIn(harness.client, queueUrl)).toBe(0);
    return original;
  }

  it('accepts a duplicate of a message still in the queue without enqueueing it', async () => {
    const { queue } = await createFifoQueue(harness.client, 'pending');
    const original = await send(queue.url, 'first', 'g', 'd-1');
    const duplicate = await send(queue.url, 'second', 'g', 'd-1');
    expect(duplicate.MessageId).toBe(original.MessageId);
    expect(duplicate.SequenceNumber).toBe(original.SequenceNumber);
    expect(bodies(await receive(harness.client, queue.url))).toEqual(['first']);
  });

  it('drops a resend with the same MessageDeduplicationId after the original was deleted', async () => {
    const { queue } = await createFifoQueue(harness.client, 'deleted');
    const original = await sendReceiveDelete(queue.url);

    const duplicate = await send(queue.url, 'hello', 'g', 'd-1');
    expect(duplicate.MessageId).toBe(original.MessageId);
    expect(duplicate.SequenceNumber).toBe(original.SequenceNumber);
    // SendMessageBatch too, with a new id next to the duplicate.
    await sendFifo(harness.client, queue.url, [
      { body: 'hello', group: 'g', deduplicationId: 'd-1' },
      { body: 'new', group: 'g', deduplicationId: 'd-2' },
    ]);
    expect(bodies(await receive(harness.client, queue.url, { waitSeconds: 1 }))).toEqual(['new']);
  });

  it('drops a content-based duplicate after the original was deleted', async () => {
    const { queue } = await createFifoQueue(harness.client, 'content', { contentBasedDeduplication: true });
    const original = await send(queue.url, 'same body', 'g');
    const received = await receive(harness.client, queue.url);
    await deleteReceived(harness.client, queue.url, received);

    expect((await send(queue.url, 'same body', 'g')).MessageId).toBe(original.MessageId);
    await send(queue.url, 'other body', 'g');
    expect(bodies(await receive(harness.client, queue.url, { waitSeconds: 1 }))).toEqual(['other body']);
  });

  it('forgets the id 5 minutes after the original was sent', async () => {
    const { queue } = await createFifoQueue(harness.client, 'interval');
    // The original is sent between these two instants (clock jumps need no margin then).
    const before = Date.now();
    const original = await sendReceiveDelete(queue.url);
    const after = Date.now();

    vi.setSystemTime(before + FIFO_DEDUPLICATION_INTERVAL_MS - 1);
    expect((await send(queue.url, 'hello', 'g', 'd-1')).MessageId).toBe(original.MessageId);
    vi.setSystemTime(after + FIFO_DEDUPLICATION_INTERVAL_MS + 1);
    const resent = await send(queue.url, 'hello', 'g', 'd-1');
    vi.useRealTimers();

    expect(resent.MessageId).not.toBe(original.MessageId);
    expect(BigInt(resent.SequenceNumber!) > BigInt(original.SequenceNumber!)).toBe(true);
    expect(bodies(await receive(harness.client, queue.url, { waitSeconds: 1 }))).toEqual(['hello']);
  });

  it('with DeduplicationScope messageGroup, the same id in another group is another message', async () => {
    const { queue } = await createFifoQueue(harness.client, 'per-group', { deduplicationScope: 'messageGroup' });
    await sendReceiveDelete(queue.url, 'in g');
    await send(queue.url, 'in g again', 'g', 'd-1');
    await send(queue.url, 'in h', 'h', 'd-1');
    expect(bodies(await receive(harness.client, queue.url, { waitSeconds: 1 }))).toEqual(['in h']);
  });

  it('with DeduplicationScope queue (the default), the same id in another group is a duplicate', async () => {
    const { queue } = await createFifoQueue(harness.client, 'per-queue');
    await sendReceiveDelete(queue.url, 'in g');
    await send(queue.url, 'in h', 'h', 'd-1');
    await send(queue.url, 'fresh', 'h', 'd-2');
    expect(bodies(await receive(harness.client, queue.url, { waitSeconds: 1 }))).toEqual(['fresh']);
  });
});
