/**
 * The event-source mapping on a FIFO queue, end to end against the local SQS: order within
 * a group survives two pollers, partial batch failures and redrive to a FIFO DLQ, because
 * SQS (with the emulator-fifo.ts gap-filler) never hands out a later message of a group while
 * an earlier one is in flight.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqsEventSourceMapping } from '../../../local-cloud/sqs/event-source-mapping.js';
import { createFifoQueue, interleaved, receive, sendFifo } from './fifo-harness.js';
import { DeliveryLog, fakeInvoker, messagesIn, REGION, startHarness, startMapping, TEST_TIMEOUT_MS, type Harness } from './harness.js';
import { gate, waitFor } from './wait-for.js';

const groupOf = (record: SQSRecord): string => record.attributes.MessageGroupId ?? '(none)';

/** Bodies of a group in the order a list holds them. */
const inGroup = (group: string, list: readonly string[]): string[] => list.filter((body) => body.startsWith(`${group}-`));

describe('SqsEventSourceMapping on a FIFO queue', { timeout: TEST_TIMEOUT_MS }, () => {
  let harness: Harness;
  let mapping: SqsEventSourceMapping | undefined;
  const cleanups: (() => void)[] = [];
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    await mapping?.stop();
    mapping = undefined;
    await harness.stop();
  });

  it('rejects a batching window, which Lambda does not support for FIFO queues', () => {
    const create = (queueArn: string) => () =>
      new SqsEventSourceMapping({
        client: harness.client,
        queueUrl: 'http://127.0.0.1:1/123456789012/q',
        queueArn,
        region: REGION,
        functionName: 'fan-out-worker',
        invoker: fakeInvoker(() => undefined),
        reportBatchItemFailures: true,
        maximumBatchingWindowMs: 1_000,
      });
    expect(create(`arn:aws:sqs:${REGION}:123456789012:q.fifo`)).toThrow(/FIFO/);
    expect(create(`arn:aws:sqs:${REGION}:123456789012:q`)).not.toThrow();
  });

  it('two pollers, several groups: each group is processed in send order, never by two invocations at once, while groups run concurrently', async () => {
    const groups = ['g0', 'g1', 'g2', 'g3'];
    const sent = interleaved(groups, 6);
    // Configured as the group fan-out queue is deployed (high-throughput FIFO).
    const { queue } = await createFifoQueue(harness.client, 'fan-out', { visibilityTimeoutSeconds: 60, highThroughput: true });
    await sendFifo(harness.client, queue.url, sent);

    const processed: string[] = [];
    const records: SQSRecord[] = [];
    const active = new Map<string, number>(); // group -> invocations holding it
    const sameGroupOverlaps: string[] = [];
    let concurrentInvocations = 0;
    let sawConcurrency = false;
    const secondStarted = gate();
    cleanups.push(secondStarted.open);
    let invocations = 0;

    ({ mapping } = startMapping(
      harness,
      queue,
      async (event: SQSEvent) => {
        invocations += 1;
        const first = invocations === 1;
        concurrentInvocations += 1;
        if (concurrentInvocations > 1) sawConcurrency = true;
        const batchGroups = new Set(event.Records.map(groupOf));
        for (const group of batchGroups) {
          if (active.get(group)) sameGroupOverlaps.push(group);
          active.set(group, (active.get(group) ?? 0) + 1);
        }
        try {
          // The first batch waits for another one to start: that one can only hold other groups.
          if (first) await secondStarted.promise;
          else secondStarted.open();
          await new Promise((resolve) => setTimeout(resolve, 5));
          for (const record of event.Records) {
            records.push(record);
            processed.push(record.body);
          }
        } finally {
          for (const group of batchGroups) active.set(group, active.get(group)! - 1);
          concurrentInvocations -= 1;
        }
      },
      { batchSize: 3, maximumConcurrency: 2 },
    ));

    await waitFor(() => processed.length >= sent.length, undefined, 'every message processed');
    await waitFor(async () => (await messagesIn(harness.client, queue.url)) === 0, undefined, 'an empty queue');

    expect(sameGroupOverlaps).toEqual([]);
    expect(sawConcurrency).toBe(true);
    for (const group of groups) {
      expect(inGroup(group, processed), group).toEqual(inGroup(group, sent.map((m) => m.body)));
    }
    // What Lambda passes for FIFO: group, deduplication id and sequence number on every record.
    for (const record of records) {
      expect(record.attributes).toMatchObject({ MessageGroupId: record.body.split('-')[0], MessageDeduplicationId: record.body });
      expect(record.attributes.SequenceNumber).toMatch(/^\d+$/);
    }
  });

  it('partial batch response: the failed message and the later ones of its group come back in order; other groups are unaffected', async () => {
    const groups = ['a', 'b', 'c'];
    const sent = interleaved(groups, 5);
    const { queue } = await createFifoQueue(harness.client, 'partial', { visibilityTimeoutSeconds: 1 });
    await sendFifo(harness.client, queue.url, sent);

    const log = new DeliveryLog();
    const processed: string[] = [];
    /** Every batch item failure the function reported. */
    const reported: { body: string; receiveCount: number }[] = [];
    ({ mapping } = startMapping(
      harness,
      queue,
      (event) => {
        log.record(event);
        // What a FIFO handler does (Powertools' SqsFifoPartialProcessor with skipGroupOnError):
        // once a message fails, skip and report the rest of its group in this batch.
        const failedGroups = new Set<string>();
        const failures: { itemIdentifier: string }[] = [];
        for (const record of event.Records) {
          const receiveCount = Number(record.attributes.ApproximateReceiveCount);
          if (failedGroups.has(groupOf(record)) || (record.body === 'a-2' && receiveCount === 1)) {
            failedGroups.add(groupOf(record));
            failures.push({ itemIdentifier: record.messageId });
            reported.push({ body: record.body, receiveCount });
          } else {
            processed.push(record.body);
          }
        }
        return { batchItemFailures: failures };
      },
      { batchSize: 3, maximumConcurrency: 2 },
    ));

    await waitFor(() => processed.length >= sent.length, undefined, 'every message processed');
    await waitFor(async () => (await messagesIn(harness.client, queue.url)) === 0, undefined, 'an empty queue');

    for (const group of groups) {
      expect(inGroup(group, processed), group).toEqual(inGroup(group, sent.map((m) => m.body)));
    }
    expect(reported[0]).toEqual({ body: 'a-2', receiveCount: 1 });
    expect(log.of('a-2').map((d) => d.receiveCount)).toEqual([1, 2]);
    // Group a, delivery by delivery: a-2 and what was reported with it come back, in order,
    // before anything later of group a is delivered.
    const deliveriesOfA = log.deliveries.filter((d) => d.body.startsWith('a-'));
    const failedAt = deliveriesOfA.findIndex((d) => d.body === 'a-2');
    const returned = reported.map((r) => r.body);
    expect(deliveriesOfA.slice(failedAt + returned.length, failedAt + 2 * returned.length).map((d) => [d.body, d.receiveCount])).toEqual(
      returned.map((body) => [body, 2]),
    );
    for (const body of [...inGroup('b', processed), ...inGroup('c', processed)]) {
      expect(log.of(body).map((d) => d.receiveCount), body).toEqual([1]);
    }
  });

  it('a poison message goes to the FIFO DLQ after maxReceiveCount; its group waits for it, then resumes in order', async () => {
    const { queue, dlq } = await createFifoQueue(harness.client, 'poisoned', { visibilityTimeoutSeconds: 1, maxReceiveCount: 3 });
    const sent = [
      { body: 'a-poison', group: 'a' },
      { body: 'b-1', group: 'b' },
      { body: 'a-2', group: 'a' },
      { body: 'b-2', group: 'b' },
      { body: 'a-3', group: 'a' },
    ];
    await sendFifo(harness.client, queue.url, sent);

    const log = new DeliveryLog();
    const processed: string[] = [];
    ({ mapping } = startMapping(
      harness,
      queue,
      (event) => {
        log.record(event);
        const poison = event.Records.filter((r) => r.body === 'a-poison');
        processed.push(...event.Records.filter((r) => r.body !== 'a-poison').map((r) => r.body));
        return { batchItemFailures: poison.map((r) => ({ itemIdentifier: r.messageId })) };
      },
      // One message per batch: the messages after the poison are never in its batch, so they
      // are not received (and counted toward maxReceiveCount) along with it.
      { batchSize: 1, maximumConcurrency: 2 },
    ));

    const inDlq: Awaited<ReturnType<typeof receive>> = [];
    await waitFor(
      async () => {
        inDlq.push(...(await receive(harness.client, dlq.url)));
        return inDlq.length > 0;
      },
      30_000,
      'the poison message in the DLQ',
    );
    await waitFor(() => processed.length >= 4, undefined, 'the other messages processed');
    await waitFor(async () => (await messagesIn(harness.client, queue.url)) === 0, undefined, 'an empty source queue');

    expect(inDlq.map((m) => m.Body)).toEqual(['a-poison']);
    expect(inDlq[0]?.Attributes).toMatchObject({ MessageGroupId: 'a', MessageDeduplicationId: 'a-poison' });
    expect(inDlq[0]?.Attributes?.SequenceNumber).toMatch(/^\d+$/);
    expect(log.of('a-poison').map((d) => d.receiveCount)).toEqual([1, 2, 3]);
    expect(processed.filter((b) => b.startsWith('a-'))).toEqual(['a-2', 'a-3']);
    expect(processed.filter((b) => b.startsWith('b-'))).toEqual(['b-1', 'b-2']);
    for (const body of ['a-2', 'a-3', 'b-1', 'b-2']) expect(log.count(body), body).toBe(1);
    // Group a stayed behind its poison message until SQS moved it to the DLQ.
    const lastPoisonDelivery = log.deliveries.findLastIndex((d) => d.body === 'a-poison');
    expect(log.deliveries.findIndex((d) => d.body === 'a-2')).toBeGreaterThan(lastPoisonDelivery);
  });
});
