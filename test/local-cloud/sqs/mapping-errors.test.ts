import { CreateQueueCommand, DeleteQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqsEventSourceMapping, type SqsEventSourceMappingOptions } from '../../../local-cloud/sqs/event-source-mapping.js';
import {
  createWorkQueue,
  DeliveryLog,
  fakeInvoker,
  messagesIn,
  REGION,
  sendBodies,
  startHarness,
  startMapping,
  TEST_TIMEOUT_MS,
  type Harness,
} from './harness.js';
import { waitFor } from './wait-for.js';

describe('SqsEventSourceMapping: resilience and configuration', { timeout: TEST_TIMEOUT_MS }, () => {
  let harness: Harness;
  let mapping: SqsEventSourceMapping | undefined;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await mapping?.stop();
    await harness.stop();
  });

  it('survives its queue disappearing: logs, backs off, and resumes when the queue is back', async () => {
    const { queue } = await createWorkQueue(harness.client, 'vanishing');
    const log = new DeliveryLog();
    const started = startMapping(harness, queue, (event) => log.record(event));
    mapping = started.mapping;

    await harness.client.send(new DeleteQueueCommand({ QueueUrl: queue.url }));
    await waitFor(() => started.logger.lines.some((l) => l.level === 'error'), undefined, 'a logged poller error');
    expect(started.logger.lines.find((l) => l.level === 'error')!.message).toContain('receiving from');

    await harness.client.send(new CreateQueueCommand({ QueueName: 'vanishing' }));
    await harness.client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'back' }));
    await waitFor(() => log.count('back') === 1, undefined, 'processing to resume');
    expect(mapping.running).toBe(true);
  });

  it('gathers batches above 10 across several receives within the batching window', async () => {
    const { queue } = await createWorkQueue(harness.client, 'big-batches', { visibilityTimeoutSeconds: 30 });
    const bodies = Array.from({ length: 25 }, (_, i) => `m${i}`);
    await sendBodies(harness.client, queue.url, bodies);
    const sizes: number[] = [];
    const log = new DeliveryLog();
    ({ mapping } = startMapping(
      harness,
      queue,
      (event) => {
        sizes.push(event.Records.length);
        log.record(event);
      },
      { batchSize: 25, maximumBatchingWindowMs: 2_000 },
    ));

    await waitFor(async () => (await messagesIn(harness.client, queue.url)) === 0, undefined, 'all processed');
    for (const body of bodies) expect(log.count(body), body).toBe(1);
    expect(Math.max(...sizes)).toBeGreaterThan(10);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(25);
  });

  it('rejects the configurations AWS rejects', () => {
    const base: SqsEventSourceMappingOptions = {
      client: harness.client,
      queueUrl: 'http://127.0.0.1:1/123456789012/q',
      queueArn: 'arn:aws:sqs:us-east-1:123456789012:q',
      region: REGION,
      functionName: 'f',
      invoker: fakeInvoker(() => undefined),
      reportBatchItemFailures: true,
    };
    const create = (overrides: Partial<SqsEventSourceMappingOptions>) => () => new SqsEventSourceMapping({ ...base, ...overrides });
    expect(create({})).not.toThrow();
    expect(create({ batchSize: 0 })).toThrow(RangeError);
    expect(create({ batchSize: 10_001, maximumBatchingWindowMs: 1000 })).toThrow(RangeError);
    expect(create({ batchSize: 11 })).toThrow(/maximumBatchingWindowMs above 0/);
    expect(create({ batchSize: 11, queueArn: `${base.queueArn}.fifo`, maximumBatchingWindowMs: 1000 })).toThrow(/FIFO/);
    expect(create({ maximumConcurrency: 1 })).toThrow(RangeError);
    expect(create({ pollWaitSeconds: 21 })).toThrow(RangeError);
    expect(create({ maximumBatchingWindowMs: 300_001 })).toThrow(RangeError);
  });
});
