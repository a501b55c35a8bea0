import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf } from '../../functions/fan-out/partitions.js';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { waitForQueuesIdle } from '../support/fan-out-idle.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { messagesOf, syncAll } from '../support/timeline-reader.js';
import type { TestClient } from '../support/ws-client.js';
import { NO_RATE_LIMITS } from './harness.js';

/** Each recipient's write waits this long: two jobs of one batch no longer fit the worker's 30 s. */
const SLOW_WRITE_MS = 16_000;

/**
 * A fan-out worker whose jobs are slow (a throttled table, say) must still make progress. Killed
 * by its timeout, a batch acknowledges nothing and comes back whole, again and again, until the
 * dead-letter queue takes it: the worker starts a job only while it has time for it, and hands the
 * jobs it did not start back to the queue at once.
 */
describe('fan-out when every job is slow', () => {
  let cloud: LocalCloud;
  const clients: TestClient[] = [];
  const tag = `${process.pid}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    // Longer than this test may run: a deferred job that waited out its visibility timeout (as a
    // job that merely failed does) would never come back in time. Only the hand-back brings it.
    cloud = await startTestCloud({ queueAttributes: { VisibilityTimeout: '600' }, functionEnvironment: NO_RATE_LIMITS });
  });
  afterAll(async () => {
    cloud?.lambda.faults.clear();
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  /** Members whose deliveries travel in one FIFO group, so their jobs arrive in one batch. */
  function samePartition(count: number): string[] {
    const users: string[] = [];
    for (let n = 0; users.length < count; n++) {
      const candidate = `slow${n}-${tag}`;
      if (users.length === 0 || partitionOf(candidate) === partitionOf(users[0]!)) users.push(candidate);
    }
    return users;
  }

  it('delivers every message once and in order while no two jobs fit in one invocation', async () => {
    const owner = await connectAs(cloud, `owner-${tag}`);
    clients.push(owner);
    const members = samePartition(2);
    const created = await owner.request('createGroup', { title: 'slow', members });
    expect(created.ok, JSON.stringify(created)).toBe(true);
    const conversationId = created.data.conversationId as string;
    const readers = await Promise.all(members.map((userId) => connectAs(cloud, userId)));
    clients.push(...readers);
    await waitForQueuesIdle(cloud);

    cloud.lambda.faults.inject({ step: 'fanout:item-written', action: 'pause', functionName: 'FanOutWorker', delayMs: SLOW_WRITE_MS });
    // The first job is taken alone as soon as it is sent; the next two wait for it and come in one batch.
    for (const label of ['first', 'second', 'third']) {
      const sent = await owner.request('send', { clientMsgId: label, conversationId, body: { kind: 'text', text: label } });
      expect(sent.ok, JSON.stringify(sent)).toBe(true);
    }

    // Still slow all along: without the time budget each attempt of the batch times out.
    for (const reader of readers) {
      await expect
        .poll(async () => messagesOf(await syncAll(reader)).filter((m) => m.conversationId === conversationId).map((m) => m.body.text), {
          timeout: 240_000,
          interval: 1_000,
        })
        .toEqual(['first', 'second', 'third']);
    }
    const workerLog = cloud.logs.filter(({ functionName }) => functionName.includes('FanOutWorker')).map(({ line }) => line);
    expect(workerLog.some((line) => line.includes('fan-out job deferred'))).toBe(true);
    expect(workerLog.some((line) => line.includes('deferred fan-out jobs handed back') && !line.includes('"handedBack":0'))).toBe(true);
  }, 300_000);
});
