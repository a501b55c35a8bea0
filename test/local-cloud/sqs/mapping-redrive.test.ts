import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FunctionError } from '../../../local-cloud/lambda/invoker.js';
import type { SqsEventSourceMapping } from '../../../local-cloud/sqs/event-source-mapping.js';
import {
  createWorkQueue,
  DeliveryLog,
  messagesIn,
  receiveAll,
  sendBodies,
  startHarness,
  startMapping,
  TEST_TIMEOUT_MS,
  type Harness,
} from './harness.js';
import { waitFor } from './wait-for.js';

const GOOD = ['g1', 'g2', 'g3', 'g4'];
const MAX_RECEIVE_COUNT = 3;

describe('SqsEventSourceMapping: poison messages', { timeout: TEST_TIMEOUT_MS }, () => {
  let harness: Harness;
  let mapping: SqsEventSourceMapping | undefined;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await mapping?.stop();
    await harness.stop();
  });

  it.each([
    ['reported in batchItemFailures', { reportBatchItemFailures: true, batchSize: 10 }],
    ['making its invocation throw', { reportBatchItemFailures: false, batchSize: 1 }],
  ])('a message that always fails (%s) ends in the DLQ after maxReceiveCount; the others are processed once', async (_, options) => {
    const { queue, dlq } = await createWorkQueue(harness.client, 'poisoned', { maxReceiveCount: MAX_RECEIVE_COUNT });
    await sendBodies(harness.client, queue.url, ['poison', ...GOOD]);
    const log = new DeliveryLog();
    ({ mapping } = startMapping(
      harness,
      queue,
      (event) => {
        log.record(event);
        const poison = event.Records.filter((r) => r.body === 'poison');
        if (poison.length === 0) return undefined;
        if (!options.reportBatchItemFailures) throw new FunctionError('fan-out-worker', 'Error', 'cannot process poison');
        return { batchItemFailures: poison.map((r) => ({ itemIdentifier: r.messageId })) };
      },
      options,
    ));

    const inDlq: string[] = [];
    await waitFor(
      async () => {
        inDlq.push(...(await receiveAll(harness.client, dlq.url)).map((m) => m.Body ?? ''));
        return inDlq.length > 0;
      },
      30_000,
      'the poison message in the DLQ',
    );
    await waitFor(async () => (await messagesIn(harness.client, queue.url)) === 0, undefined, 'an empty source queue');

    expect(inDlq).toEqual(['poison']);
    expect(log.of('poison').map((d) => d.receiveCount)).toEqual([1, 2, 3]);
    for (const body of GOOD) expect(log.count(body), body).toBe(1);
  });
});
