import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';

/**
 * A client that crashes, on a gateway that never delivers its `$disconnect`, must still show as
 * offline once its connection record expires (here after 6 s instead of 15 min).
 */
const TTL_SECONDS = 6;
describe('presence of a crashed client', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startTestCloud({ functionEnvironment: { CONNECTION_TTL_SECONDS: String(TTL_SECONDS) } });
  });
  afterAll(async () => cloud?.stop());

  it('turns offline within the connection TTL even without $disconnect, and pings keep a live client online', async () => {
    const watcher = await connectAs(cloud, 'pe-watcher');
    const crashing = await connectAs(cloud, 'pe-crashing');
    const alive = await connectAs(cloud, 'pe-alive');
    const users = ['pe-crashing', 'pe-alive'];
    // `presence` reports only users who share a conversation with the caller.
    for (const user of users) expect((await watcher.request('send', { clientMsgId: `hello-${user}`, to: user, body: { kind: 'text', text: 'hi' } })).ok).toBe(true);
    // Each round pings first, so a slow machine cannot make a live client look expired.
    const round = async (clients: typeof alive[]) => {
      for (const client of clients) expect((await client.request('ping')).ok).toBe(true);
      return (await watcher.request('presence', { users })).data.users;
    };
    let state = await round([crashing, alive]);
    await expect
      .poll(
        async () => {
          state = await round([crashing, alive]);
          return state['pe-crashing'].online && state['pe-alive'].online;
        },
        { timeout: 60_000, interval: 50 },
      )
      .toBe(true);
    expect(state).toMatchObject({ 'pe-crashing': { online: true }, 'pe-alive': { online: true } });

    cloud.gateway.faults.loseDisconnects();
    crashing.socket.terminate();
    await expect
      .poll(
        async () => {
          state = await round([alive]);
          return !state['pe-crashing'].online && state['pe-alive'].online;
        },
        { timeout: 90_000, interval: 200 },
      )
      .toBe(true);
    expect(state['pe-crashing'].online).toBe(false);
    expect(state['pe-alive'].online).toBe(true);
    cloud.gateway.faults.clear();
    await Promise.all([watcher.close(), alive.close()]);
  });

  it('keeps a connection that sends actions but never pings reachable and online past the TTL', async () => {
    const busy = await connectAs(cloud, 'pe-busy');
    const friend = await connectAs(cloud, 'pe-friend');
    // Actions other than ping, each a sign of life, for three TTLs and on until the checks are
    // done: the client stays busy the whole time, as the one this test stands for would.
    let busyUntilChecked = true;
    const busyLoop = (async () => {
      while (busyUntilChecked) {
        expect((await busy.request('sync', { after: 0 })).ok).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 3 * TTL_SECONDS * 1000));
    try {
      const sent = await friend.request('send', { clientMsgId: 'to-busy', to: 'pe-busy', body: { kind: 'text', text: 'still there?' } });
      expect(sent.ok, JSON.stringify(sent)).toBe(true);
      await busy.waitForEvent('message', (data) => data.message?.msgId === sent.data.msgId);
      expect((await friend.request('presence', { users: ['pe-busy'] })).data.users['pe-busy'].online).toBe(true);
    } finally {
      busyUntilChecked = false;
      await busyLoop;
    }
    await Promise.all([busy.close(), friend.close()]);
  });
});
