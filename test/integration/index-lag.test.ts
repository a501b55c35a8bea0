import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { NO_RATE_LIMITS } from '../reliability/harness.js';
import { waitForQueuesIdle } from '../support/fan-out-idle.js';
import { ok, text } from '../support/replies.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { messagesOf, syncAll } from '../support/timeline-reader.js';
import type { TestClient } from '../support/ws-client.js';

/**
 * On AWS the `byGroup` index is eventually consistent. Who receives a group's message, change or
 * membership event must not depend on it: a member added just before a send gets the message, one
 * removed just before does not. The local front door makes the index lag (`simulateIndexLag`), so
 * these fail when fan-out reads the index instead of the group's roster.
 */
describe('fan-out while the byGroup index lags', () => {
  let cloud: LocalCloud;
  let endLag: (() => void) | undefined;
  const clients: TestClient[] = [];
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  const user = (name: string) => `${name}-${tag}`;
  const connect = async (userId: string) => {
    const client = await connectAs(cloud, userId);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    cloud = await startTestCloud({ functionEnvironment: NO_RATE_LIMITS });
  });
  afterEach(() => endLag?.());
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  const lagIndex = () => {
    // Far longer than the test takes: nothing written during it shows in the index.
    endLag = cloud.simulateIndexLag('MessagingMemberships', 'byGroup', 10 * 60_000);
  };
  const conversationMessages = async (client: TestClient, conversationId: string) =>
    messagesOf(await syncAll(client)).filter((message) => message.conversationId === conversationId);

  it('delivers a message to a member added just before it was sent, and the membership event to the others', async () => {
    const [owner, early, newcomer] = [user('owner'), user('early'), user('newcomer')];
    const ownerDevice = await connect(owner);
    lagIndex();
    const { conversationId } = await ok(ownerDevice.request('createGroup', { title: 'lagging', members: [early] }));
    await ok(ownerDevice.request('addMembers', { conversationId, members: [newcomer] }));
    const sent = await ok(ownerDevice.request('send', { clientMsgId: 'right-after', conversationId, body: text('welcome') }));
    await waitForQueuesIdle(cloud);

    const newcomerDevice = await connect(newcomer);
    expect((await conversationMessages(newcomerDevice, conversationId)).map((message) => message.msgId)).toEqual([sent.msgId]);
    const earlyItems = await syncAll(await connect(early));
    expect(earlyItems.some((item) => item.type === 'system' && item.system?.event === 'membersAdded' && item.system.conversationId === conversationId)).toBe(true);
    expect(messagesOf(earlyItems).map((message) => message.msgId)).toEqual([sent.msgId]);
  });

  it('does not deliver a message to a member removed just before it was sent', async () => {
    const [owner, stayer, removed] = [user('owner2'), user('stayer'), user('removed')];
    const ownerDevice = await connect(owner);
    const { conversationId } = await ok(ownerDevice.request('createGroup', { title: 'lagging', members: [stayer, removed] }));
    const before = await ok(ownerDevice.request('send', { clientMsgId: 'before', conversationId, body: text('still in') }));
    await waitForQueuesIdle(cloud);
    lagIndex();
    await ok(ownerDevice.request('removeMembers', { conversationId, members: [removed] }));
    const after = await ok(ownerDevice.request('send', { clientMsgId: 'after', conversationId, body: text('gone now') }));
    await ok(ownerDevice.request('edit', { conversationId, conversationSeq: before.conversationSeq, body: text('still in (edited)') }));
    await waitForQueuesIdle(cloud);

    expect((await conversationMessages(await connect(stayer), conversationId)).map((message) => message.msgId)).toEqual([before.msgId, after.msgId]);
    const removedItems = await syncAll(await connect(removed));
    expect(messagesOf(removedItems).map((message) => message.msgId)).toEqual([before.msgId]);
    // Nor the change made after the removal.
    expect(removedItems.filter((item) => item.type === 'update')).toEqual([]);
  });
});
