import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqsEventSourceMapping } from '../../../local-cloud/sqs/event-source-mapping.js';
import {
  createWorkQueue,
  DeliveryLog,
  messagesIn,
  sendBodies,
  startHarness,
  startMapping,
  TEST_TIMEOUT_MS,
  type Harness,
} from './harness.js';
import { gate, waitFor } from './wait-for.js';

describe('SqsEventSourceMapping: concurrency', { timeout: TEST_TIMEOUT_MS }, () => {
  let harness: Harness;
  let mapping: SqsEventSourceMapping | undefined;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await mapping?.stop();
    await harness.stop();
  });

  it('a slow batch does not hold back another one (maximumConcurrency 2)', async () => {
    // A long visibility timeout: the held batch must not come back while we hold it.
    const { queue } = await createWorkQueue(harness.client, 'slow-and-fast', { visibilityTimeoutSeconds: 60 });
    const release = gate();
    const log = new DeliveryLog();
    let slowFinished = false;
    ({ mapping } = startMapping(
      harness,
      queue,
      async (event) => {
        log.record(event);
        if (event.Records.some((r) => r.body === 'slow')) {
          await release.promise;
          slowFinished = true;
        }
      },
      { batchSize: 1, maximumConcurrency: 2 },
    ));

    await harness.client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'slow' }));
    await waitFor(() => log.count('slow') === 1, undefined, 'the slow batch to start');
    await harness.client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'fast' }));
    await waitFor(() => log.count('fast') === 1, undefined, 'the fast batch, while the slow one is held');
    expect(slowFinished).toBe(false);

    release.open();
    await waitFor(async () => (await messagesIn(harness.client, queue.url)) === 0, undefined, 'both deleted');
    expect(slowFinished).toBe(true);
    expect(log.count('slow')).toBe(1);
  });

  it('never has more than maximumConcurrency batches in flight', async () => {
    const { queue } = await createWorkQueue(harness.client, 'capped', { visibilityTimeoutSeconds: 60 });
    const bodies = Array.from({ length: 12 }, (_, i) => `b${i}`);
    await sendBodies(harness.client, queue.url, bodies);
    const log = new DeliveryLog();
    let inFlight = 0;
    let peak = 0;
    ({ mapping } = startMapping(
      harness,
      queue,
      async (event) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        log.record(event);
        await new Promise((resolve) => setTimeout(resolve, 50));
        inFlight -= 1;
      },
      { batchSize: 1, maximumConcurrency: 3 },
    ));

    await waitFor(async () => (await messagesIn(harness.client, queue.url)) === 0, undefined, 'all processed');
    expect(peak).toBeLessThanOrEqual(3);
    for (const body of bodies) expect(log.count(body), body).toBe(1);
  });
});
