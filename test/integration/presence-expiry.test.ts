import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';

/**
 * A client that crashes, on a gateway that never delivers its `$disconnect`, must still show as
 * offline once its connection record expires (here after 2 s instead of 15 min).
 */
describe('presence of a crashed client', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startTestCloud({ functionEnvironment: { CONNECTION_TTL_SECONDS: '2' } });
  });
  afterAll(async () => cloud?.stop());

  it('turns offline within the connection TTL even without $disconnect, and pings keep a live client online', async () => {
    const watcher = await connectAs(cloud, 'pe-watcher');
    const crashing = await connectAs(cloud, 'pe-crashing');
    const alive = await connectAs(cloud, 'pe-alive');
    const users = ['pe-crashing', 'pe-alive'];
    expect((await watcher.request('presence', { users })).data.users).toMatchObject({
      'pe-crashing': { online: true },
      'pe-alive': { online: true },
    });
    cloud.gateway.faults.loseDisconnects();
    crashing.socket.terminate();
    let state;
    for (let round = 0; round < 200; round++) {
      expect((await alive.request('ping')).ok).toBe(true);
      state = (await watcher.request('presence', { users })).data.users;
      if (!state['pe-crashing'].online) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(state['pe-crashing'].online).toBe(false);
    expect(state['pe-alive'].online).toBe(true);
    cloud.gateway.faults.clear();
    await Promise.all([watcher.close(), alive.close()]);
  });
});
