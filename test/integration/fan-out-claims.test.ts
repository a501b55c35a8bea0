import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { waitForQueuesIdle } from '../support/fan-out-idle.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { isContiguousFrom, messagesOf, syncAll } from '../support/timeline-reader.js';
import type { TestClient } from '../support/ws-client.js';

let counter = 0;
const unique = (name: string) => `${name}-${process.pid}-${++counter}`;
const text = (value: string) => ({ kind: 'text', text: value });

/**
 * A group message's job binds all its recipients' seqs with one fan-out claim
 * (functions/fan-out/run-job.ts). Two runs of the same job at once (SQS hands a job to a second
 * worker once its visibility timeout passes while the first still runs) must still give each
 * recipient one copy, with every seq either an item or a closed `void`.
 */
describe('fan-out claims', () => {
  let cloud: LocalCloud;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    cloud = await startTestCloud({ queueAttributes: { VisibilityTimeout: '3' } });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  it('two runs of one job at once: the one that loses the claim closes its seqs and writes where the winner did', async () => {
    // Prepare
    const ids = [...Array(6).keys()].map((n) => unique(`fc${n}`));
    const members = await Promise.all(ids.map((id) => connectAs(cloud, id)));
    clients.push(...members);
    const created = await members[0]!.request('createGroup', { title: 'claims', members: ids.slice(1) });
    expect(created.ok, JSON.stringify(created)).toBe(true);
    const conversationId = created.data.conversationId as string;
    await waitForQueuesIdle(cloud);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // The first run of one job stops after allocating its seqs, before its claim.
    cloud.lambda.faults.inject({ functionName: 'FanOutWorker', step: 'fanout:seq-allocated', action: 'pause', until: released, times: 1 });

    // Act: while it waits, SQS gives the job to another run, which finishes it.
    const sent = await members[0]!.request('send', { clientMsgId: 'both', conversationId, body: text('claimed once') });
    expect(sent.ok, JSON.stringify(sent)).toBe(true);
    await expect.poll(() => cloud.lambda.faults.fired.length, { timeout: 60_000, interval: 100 }).toBe(1);
    const paused = String(cloud.lambda.faults.fired[0]!.detail.userId);
    const pausedClient = members[ids.indexOf(paused)]!;
    await expect
      .poll(async () => messagesOf(await syncAll(pausedClient)).some((m) => m.msgId === sent.data.msgId), { timeout: 120_000, interval: 1_000 })
      .toBe(true);
    release();
    await waitForQueuesIdle(cloud);

    // Assess: one copy each; the paused run's seq of the paused recipient is a void, not a second copy.
    for (const [index, client] of members.entries()) {
      const items = await syncAll(client);
      expect(messagesOf(items).filter((m) => m.msgId === sent.data.msgId), ids[index]).toHaveLength(1);
      expect(isContiguousFrom(items.map((item) => item.seq), 1), ids[index]).toBe(true);
    }
    const pausedItems = await syncAll(pausedClient);
    expect(pausedItems.filter((item) => item.type === 'void').length).toBeGreaterThanOrEqual(1);
  }, 300_000);
});
