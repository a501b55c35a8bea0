import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FunctionError } from '../../../local-cloud/lambda/invoker.js';
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
import { waitFor } from './wait-for.js';

const BODIES = ['m1', 'm2', 'm3', 'm4', 'm5'];

/**
 * Every message of a failed first batch was delivered again, with its receive count going
 * up by one each time. (Usually exactly twice; more if a retry shared a batch with a message
 * seen for the first time, which fails that batch again.)
 */
function expectEveryMessageRetried(log: DeliveryLog): void {
  for (const body of BODIES) {
    const counts = log.of(body).map((d) => d.receiveCount);
    expect(counts.length, body).toBeGreaterThanOrEqual(2);
    expect(counts, body).toEqual(counts.map((_, index) => index + 1));
  }
}

describe('SqsEventSourceMapping: batch failures', { timeout: TEST_TIMEOUT_MS }, () => {
  let harness: Harness;
  let mapping: SqsEventSourceMapping | undefined;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await mapping?.stop();
    await harness.stop();
  });

  it('partial batch response: only the reported message comes back, the others never do', async () => {
    const { queue } = await createWorkQueue(harness.client, 'partial');
    await sendBodies(harness.client, queue.url, BODIES);
    const log = new DeliveryLog();
    ({ mapping } = startMapping(harness, queue, (event) => {
      log.record(event);
      const failed = event.Records.filter((r) => r.body === 'm3' && r.attributes.ApproximateReceiveCount === '1');
      return { batchItemFailures: failed.map((r) => ({ itemIdentifier: r.messageId })) };
    }));

    await waitFor(() => log.count('m3') === 2, undefined, 'm3 to come back');
    // A message that was not deleted would still be counted (visible or in flight): an empty
    // queue proves the others will never come back.
    await waitFor(async () => (await messagesIn(harness.client, queue.url)) === 0, undefined, 'an empty queue');
    for (const body of BODIES.filter((b) => b !== 'm3')) expect(log.count(body), body).toBe(1);
    expect(log.of('m3').map((d) => d.receiveCount)).toEqual([1, 2]);
  });

  it.each([
    ['an id that is not in the batch', 'not-a-message-id'],
    ['an empty id', ''],
  ])('an itemIdentifier that is %s fails the whole batch', async (_, badIdentifier) => {
    const { queue } = await createWorkQueue(harness.client, 'invalid-id');
    await sendBodies(harness.client, queue.url, BODIES);
    const log = new DeliveryLog();
    const { mapping: started, logger } = startMapping(harness, queue, (event) => {
      log.record(event);
      const firstTime = event.Records.some((r) => r.attributes.ApproximateReceiveCount === '1');
      return { batchItemFailures: firstTime ? [{ itemIdentifier: badIdentifier }] : [] };
    });
    mapping = started;

    await waitFor(async () => (await messagesIn(harness.client, queue.url)) === 0, undefined, 'an empty queue');
    expectEveryMessageRetried(log);
    expect(logger.lines.some((line) => line.level === 'warn' && line.message.includes('invalid itemIdentifier'))).toBe(true);
  });

  it('a failed invocation (FunctionError or any rejection) redelivers the whole batch', async () => {
    const { queue } = await createWorkQueue(harness.client, 'throwing');
    await sendBodies(harness.client, queue.url, BODIES);
    const log = new DeliveryLog();
    let calls = 0;
    ({ mapping } = startMapping(harness, queue, (event) => {
      log.record(event);
      if (event.Records.every((r) => r.attributes.ApproximateReceiveCount !== '1')) return undefined;
      calls += 1;
      // Alternate the two ways an invocation can fail.
      if (calls % 2 === 1) throw new FunctionError('fan-out-worker', 'Runtime.ExitError', 'crashed');
      throw 'not even an Error';
    }));

    await waitFor(async () => (await messagesIn(harness.client, queue.url)) === 0, undefined, 'an empty queue');
    expectEveryMessageRetried(log);
  });

  it('without ReportBatchItemFailures a returned batchItemFailures is ignored: all deleted', async () => {
    const { queue } = await createWorkQueue(harness.client, 'no-report');
    await sendBodies(harness.client, queue.url, BODIES);
    const log = new DeliveryLog();
    ({ mapping } = startMapping(
      harness,
      queue,
      (event) => {
        log.record(event);
        return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
      },
      { reportBatchItemFailures: false },
    ));

    await waitFor(() => BODIES.every((body) => log.count(body) === 1), undefined, 'every message once');
    await waitFor(async () => (await messagesIn(harness.client, queue.url)) === 0, undefined, 'an empty queue');
  });
});
