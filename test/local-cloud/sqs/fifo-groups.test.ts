/**
 * FIFO message groups through the plain SQS API (emulator gap-filler: emulator-fifo.ts).
 * Unpatched local-aws-sqs delivers a later message of a group while an earlier one is in
 * flight, and its SequenceNumbers do not increase within a group.
 */
import { ChangeMessageVisibilityCommand, type Message } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bodies, createFifoQueue, deleteReceived, receive, sendFifo } from './fifo-harness.js';
import { startHarness, TEST_TIMEOUT_MS, type Harness } from './harness.js';
import { waitFor } from './wait-for.js';

describe('local SQS FIFO: message groups', { timeout: TEST_TIMEOUT_MS }, () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await harness.stop();
  });

  it('holds back a group while one of its messages is in flight; other groups flow', async () => {
    // Long visibility timeout: nothing comes back on its own during this test.
    const { queue } = await createFifoQueue(harness.client, 'held', { visibilityTimeoutSeconds: 60 });
    const { client } = harness;
    await sendFifo(client, queue.url, [
      { body: 'a-1', group: 'a' },
      { body: 'b-1', group: 'b' },
      { body: 'a-2', group: 'a' },
      { body: 'c-1', group: 'c' },
      { body: 'b-2', group: 'b' },
    ]);

    const first = await receive(client, queue.url, { max: 1 });
    expect(bodies(first)).toEqual(['a-1']);
    // a-2 stays behind a-1; b-2 comes with b-1 (same receive, in order).
    const others = await receive(client, queue.url);
    expect(bodies(others)).toEqual(['b-1', 'c-1', 'b-2']);
    await deleteReceived(client, queue.url, others);
    // Still held while a-1 is in flight, however long we poll.
    expect(await receive(client, queue.url, { waitSeconds: 1 })).toEqual([]);

    await deleteReceived(client, queue.url, first);
    expect(bodies(await receive(client, queue.url, { waitSeconds: 1 }))).toEqual(['a-2']);
  });

  it('returns several messages of a group in one receive, in send order, and holds the rest', async () => {
    const { queue } = await createFifoQueue(harness.client, 'batched', { visibilityTimeoutSeconds: 60 });
    const { client } = harness;
    await sendFifo(client, queue.url, [
      ...['a-1', 'a-2', 'a-3', 'a-4'].map((body) => ({ body, group: 'a' })),
      { body: 'b-1', group: 'b' },
    ]);

    const batch = await receive(client, queue.url, { max: 3 });
    expect(bodies(batch)).toEqual(['a-1', 'a-2', 'a-3']);
    expect(bodies(await receive(client, queue.url))).toEqual(['b-1']);
    await deleteReceived(client, queue.url, batch);
    expect(bodies(await receive(client, queue.url, { waitSeconds: 1 }))).toEqual(['a-4']);
  });

  it('after a visibility timeout expires the group resumes with the expired message, in order', async () => {
    const { queue } = await createFifoQueue(harness.client, 'expired', { visibilityTimeoutSeconds: 1 });
    const { client } = harness;
    await sendFifo(client, queue.url, [
      { body: 'a-1', group: 'a' },
      { body: 'a-2', group: 'a' },
      { body: 'b-1', group: 'b' },
      { body: 'a-3', group: 'a' },
    ]);
    expect(bodies(await receive(client, queue.url, { max: 1 }))).toEqual(['a-1']); // and never deleted

    const later: Message[] = [];
    await waitFor(
      async () => {
        const received = await receive(client, queue.url, { waitSeconds: 1 });
        later.push(...received);
        await deleteReceived(client, queue.url, received);
        return later.length === 4;
      },
      undefined,
      'every message delivered',
    );
    expect(bodies(later.filter((m) => m.Attributes?.MessageGroupId === 'a'))).toEqual(['a-1', 'a-2', 'a-3']);
    expect(later.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount]).sort()).toEqual([
      ['a-1', '2'],
      ['a-2', '1'],
      ['a-3', '1'],
      ['b-1', '1'],
    ]);
  });

  it('ChangeMessageVisibility 0 releases the group, starting with the returned message', async () => {
    const { queue } = await createFifoQueue(harness.client, 'released', { visibilityTimeoutSeconds: 60 });
    const { client } = harness;
    await sendFifo(client, queue.url, [
      { body: 'a-1', group: 'a' },
      { body: 'a-2', group: 'a' },
    ]);
    const [first] = await receive(client, queue.url, { max: 1 });
    expect(first?.Body).toBe('a-1');
    expect(await receive(client, queue.url, { waitSeconds: 1 })).toEqual([]);

    await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queue.url, ReceiptHandle: first!.ReceiptHandle, VisibilityTimeout: 0 }));
    const again: Message[] = [];
    await waitFor(
      async () => {
        again.push(...(await receive(client, queue.url, { waitSeconds: 1 })));
        return again.length === 2;
      },
      undefined,
      'both messages',
    );
    expect(bodies(again)).toEqual(['a-1', 'a-2']);
  });

  it('gives every message MessageGroupId, MessageDeduplicationId and a SequenceNumber that increases within its group', async () => {
    const { queue } = await createFifoQueue(harness.client, 'numbered', { visibilityTimeoutSeconds: 60 });
    const { client } = harness;
    // More than 9 per group: the emulator's own numbers go wrong at the 10th.
    const sent = [
      ...Array.from({ length: 12 }, (_, i) => ({ body: `a-${i + 1}`, group: 'a', deduplicationId: `dedup-a-${i + 1}` })),
      ...Array.from({ length: 3 }, (_, i) => ({ body: `b-${i + 1}`, group: 'b', deduplicationId: `dedup-b-${i + 1}` })),
    ];
    const accepted = await sendFifo(client, queue.url, sent);
    expect(accepted).toHaveLength(sent.length);

    const received: Message[] = [];
    await waitFor(
      async () => {
        const batch = await receive(client, queue.url, { waitSeconds: 1 });
        received.push(...batch);
        await deleteReceived(client, queue.url, batch);
        return received.length === sent.length;
      },
      undefined,
      'every message',
    );

    sent.forEach((message, index) => {
      const got = received.find((m) => m.Body === message.body);
      expect(got?.MessageId).toBe(accepted[index]!.MessageId);
      expect(got?.Attributes).toMatchObject({
        MessageGroupId: message.group,
        MessageDeduplicationId: message.deduplicationId,
        SequenceNumber: accepted[index]!.SequenceNumber,
      });
      expect(got?.Attributes?.SequenceNumber).toMatch(/^\d+$/);
    });
    for (const group of ['a', 'b']) {
      const inGroup = received.filter((m) => m.Attributes?.MessageGroupId === group);
      expect(bodies(inGroup)).toEqual(sent.filter((m) => m.group === group).map((m) => m.body));
      const numbers = inGroup.map((m) => BigInt(m.Attributes!.SequenceNumber!));
      numbers.slice(1).forEach((n, i) => expect(n > numbers[i]!, `${group}: ${numbers.join(' ')}`).toBe(true));
    }
  });
});
