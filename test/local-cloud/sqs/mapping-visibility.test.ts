import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqsEventSourceMapping } from '../../../local-cloud/sqs/event-source-mapping.js';
import { createWorkQueue, DeliveryLog, startHarness, startMapping, TEST_TIMEOUT_MS, type Harness } from './harness.js';
import { waitFor } from './wait-for.js';

const VISIBILITY_TIMEOUT_SECONDS = 3;
/** Timers may fire a few ms "early" relative to Date.now() readings taken elsewhere. */
const CLOCK_SLACK_MS = 25;

describe('SqsEventSourceMapping: visibility timeout', { timeout: TEST_TIMEOUT_MS }, () => {
  let harness: Harness;
  let mapping: SqsEventSourceMapping | undefined;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await mapping?.stop();
    await harness.stop();
  });

  it('a failed message is not redelivered before its visibility timeout, while later messages flow', async () => {
    const { queue } = await createWorkQueue(harness.client, 'visibility', { visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS });
    const log = new DeliveryLog();
    let failedOnce = false;
    ({ mapping } = startMapping(
      harness,
      queue,
      (event) => {
        log.record(event);
        const failing = event.Records.filter((r) => r.body === 'slow-to-succeed' && !failedOnce);
        if (failing.length > 0) failedOnce = true;
        return { batchItemFailures: failing.map((r) => ({ itemIdentifier: r.messageId })) };
      },
      { batchSize: 1 },
    ));

    await harness.client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'slow-to-succeed' }));
    await waitFor(() => failedOnce, undefined, 'the first, failing delivery');
    // Sent after the failure: flows through while the failed message is still invisible.
    await harness.client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'after' }));
    await waitFor(() => log.count('after') === 1, undefined, "the later message's delivery");
    expect(log.count('slow-to-succeed')).toBe(1);

    await waitFor(() => log.count('slow-to-succeed') === 2, undefined, 'the redelivery');
    const [first, second] = log.of('slow-to-succeed');
    // SQS stamped the first receive; the redelivery cannot come before receive + timeout.
    const firstReceivedAt = Number(first!.record.attributes.ApproximateFirstReceiveTimestamp);
    expect(second!.at - firstReceivedAt).toBeGreaterThanOrEqual(VISIBILITY_TIMEOUT_SECONDS * 1000 - CLOCK_SLACK_MS);
    expect(second!.receiveCount).toBe(2);
  });
});
