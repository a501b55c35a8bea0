import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import type { TestClient } from '../support/ws-client.js';

/**
 * API Gateway answers pushes to a connection whose `$connect` is still running with 410, like a
 * gone one. Taking that 410 at its word deleted the brand-new record, and the device got no
 * pushes until it reconnected (up to 2 h).
 */
describe('a push during $connect', () => {
  let cloud: LocalCloud;
  const clients: TestClient[] = [];
  const tag = `${process.pid}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    cloud = await startTestCloud();
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  it('keeps the new connection reachable after a 410 answered while $connect ran', async () => {
    const [alice, bob] = [`alice-${tag}`, `bob-${tag}`];
    const a = await connectAs(cloud, alice);
    clients.push(a);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    cloud.lambda.faults.inject({ step: 'connect:stored', action: 'pause', until: released, times: 1, when: (detail) => detail.userId === bob });
    const connecting = connectAs(cloud, bob);
    try {
      await expect.poll(() => cloud.lambda.faults.fired.some((fault) => fault.step === 'connect:stored'), { timeout: 30_000, interval: 50 }).toBe(true);
      const during = await a.request('send', { clientMsgId: 'during-connect', to: bob, body: { kind: 'text', text: 'while you connect' } });
      expect(during.ok, JSON.stringify(during)).toBe(true);
    } finally {
      release();
      cloud.lambda.faults.clear();
    }
    const b = await connecting;
    clients.push(b);
    const after = await a.request('send', { clientMsgId: 'after-connect', to: bob, body: { kind: 'text', text: 'now you are here' } });
    expect(after.ok, JSON.stringify(after)).toBe(true);
    await b.waitForEvent('message', (data) => data.message?.msgId === after.data.msgId);
  });
});
