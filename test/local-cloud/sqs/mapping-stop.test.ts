import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqsEventSourceMapping } from '../../../local-cloud/sqs/event-source-mapping.js';
import { createWorkQueue, DeliveryLog, messagesIn, startHarness, startMapping, TEST_TIMEOUT_MS, type Harness } from './harness.js';
import { gate, waitFor } from './wait-for.js';

describe('SqsEventSourceMapping: stop()', { timeout: TEST_TIMEOUT_MS }, () => {
  let harness: Harness;
  let mapping: SqsEventSourceMapping | undefined;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await mapping?.stop();
    await harness.stop();
  });

  it('waits for the in-flight invocation and deletes what it processed', async () => {
    const { queue } = await createWorkQueue(harness.client, 'draining', { visibilityTimeoutSeconds: 60 });
    const release = gate();
    const log = new DeliveryLog();
    let finished = false;
    ({ mapping } = startMapping(harness, queue, async (event) => {
      log.record(event);
      await release.promise;
      finished = true;
    }));
    await harness.client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'in-flight' }));
    await waitFor(() => log.count('in-flight') === 1, undefined, 'the invocation to start');

    let stopped = false;
    const stopping = mapping.stop().then(() => {
      stopped = true;
    });
    expect(mapping.running).toBe(false);
    // Longer than a long poll: stop() is still waiting, because the invocation is.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(stopped).toBe(false);

    release.open();
    await stopping;
    expect(finished).toBe(true);
    expect(await messagesIn(harness.client, queue.url)).toBe(0);
  });

  it('invokes nothing once stopped and loses nothing: a restart picks up what arrived meanwhile', async () => {
    const { queue } = await createWorkQueue(harness.client, 'restart');
    const log = new DeliveryLog();
    ({ mapping } = startMapping(harness, queue, (event) => log.record(event)));
    await harness.client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'before' }));
    await waitFor(() => log.count('before') === 1, undefined, 'the first message');
    await mapping.stop();

    await harness.client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'while-stopped' }));
    // Longer than a long poll plus the visibility timeout: a poller still running would have
    // taken it by now.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(log.count('while-stopped')).toBe(0);
    expect(await messagesIn(harness.client, queue.url)).toBe(1);

    mapping.start();
    await waitFor(() => log.count('while-stopped') === 1, undefined, 'the message after restart');
    expect(log.of('while-stopped')[0]!.receiveCount).toBe(1);
  });

  it('stops promptly when idle, and stop() twice is harmless', async () => {
    const { queue } = await createWorkQueue(harness.client, 'idle');
    ({ mapping } = startMapping(harness, queue, () => undefined));
    await Promise.all([mapping.stop(), mapping.stop()]);
    expect(mapping.running).toBe(false);
  });
});
