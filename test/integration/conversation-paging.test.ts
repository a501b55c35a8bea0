import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { NO_RATE_LIMITS } from '../reliability/harness.js';
import { waitForQueuesIdle } from '../support/fan-out-idle.js';
import { ok, refused, text } from '../support/replies.js';
import { seedDirectConversations } from '../support/seed-conversations.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import type { TestClient } from '../support/ws-client.js';

/**
 * `conversations` pages (issue 18): newest activity first, each conversation once across the
 * pages of one listing even when activity moves conversations meanwhile, `totalUnread` over all
 * conversations whatever page, v1 requests (no `limit`) still getting everything that fits.
 */
describe('conversations pages', () => {
  let cloud: LocalCloud;
  const clients: TestClient[] = [];
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  const connect = async (userId: string) => {
    const client = await connectAs(cloud, userId);
    clients.push(client);
    return client;
  };
  const pageAll = async (client: TestClient, limit: number, between?: (page: number) => Promise<void>) => {
    const pages: any[] = [];
    let cursor: string | undefined;
    do {
      const page = await ok(client.request('conversations', cursor ? { limit, cursor } : { limit }));
      pages.push(page);
      expect(page.items.length).toBeLessThanOrEqual(limit);
      cursor = page.hasMore ? page.cursor : undefined;
      if (page.hasMore) expect(typeof page.cursor).toBe('string');
      await between?.(pages.length);
    } while (cursor);
    return pages;
  };

  beforeAll(async () => {
    cloud = await startTestCloud({ functionEnvironment: NO_RATE_LIMITS });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  it('lists every conversation exactly once, newest activity first, with the total unread on every page', async () => {
    const userId = `pager-${tag}`;
    const seeded = await seedDirectConversations(cloud, userId, 23, { unread: 4 });
    const user = await connect(userId);
    const friend = await connect(`friend-${tag}`);
    await ok(friend.request('send', { clientMsgId: 'f1', to: userId, body: text('new') }));

    const pages = await pageAll(user, 5);
    const ids = pages.flatMap((page) => page.items.map((item: any) => item.conversationId));
    expect(ids).toHaveLength(24);
    expect(new Set(ids)).toEqual(new Set([...seeded, `dm:${[userId, `friend-${tag}`].sort().join(':')}`]));
    expect(ids[0]).toContain(`friend-${tag}`);
    const times = pages.flatMap((page) => page.items.map((item: any) => item.lastMessage.ts));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // Five unread: four seeded (the oldest: on the last page), one from the friend (the first).
    for (const page of pages) expect(page.totalUnread).toBe(5);
    expect(pages.at(-1).hasMore).toBe(false);
    expect(pages.at(-1).cursor).toBeUndefined();

    // A v1 request (no limit) gets them all in one reply, totalUnread the sum of its items.
    const all = await ok(user.request('conversations', {}));
    expect(all.items.map((item: any) => item.conversationId)).toEqual(ids);
    expect(all.hasMore).toBe(false);
    expect(all.totalUnread).toBe(all.items.reduce((sum: number, item: any) => sum + item.unread, 0));
  });

  it('never gives a conversation twice when activity moves it during paging; the moved one comes with its message', async () => {
    const userId = `mover-${tag}`;
    const seeded = await seedDirectConversations(cloud, userId, 12);
    const user = await connect(userId);
    const otherDevice = await connectAs(cloud, userId, 'tablet');
    clients.push(otherDevice);
    // seeded[0] is the oldest (last page), seeded[11] the newest (first page).
    const oldestPeer = seeded[0]!.split(':').find((part) => part.includes('-peer-'))!;
    const newestPeer = seeded[11]!.split(':').find((part) => part.includes('-peer-'))!;
    const pages = await pageAll(user, 4, async (page) => {
      if (page !== 1) return;
      // After the first page: the oldest and the newest get a message, and another device lists (which applies them).
      for (const peerId of [oldestPeer, newestPeer]) {
        const peer = await connect(peerId);
        await ok(peer.request('send', { clientMsgId: `move-${peerId}`, to: userId, body: text('moving up') }));
      }
      await ok(otherDevice.request('conversations', { limit: 4 }));
    });
    const ids = pages.flatMap((page) => page.items.map((item: any) => item.conversationId));
    expect(new Set(ids).size).toBe(ids.length);
    // Everything is listed once, except the oldest, which moved above the cursor: the client gets
    // it from the message that moved it (a push, or its timeline).
    expect(new Set(ids)).toEqual(new Set(seeded.filter((id) => id !== seeded[0])));
    const fresh = await ok(user.request('conversations', { limit: 2 }));
    expect(new Set(fresh.items.map((item: any) => item.conversationId))).toEqual(new Set([seeded[0], seeded[11]]));
  });

  it('counts a group flagged unread outside the page, and a read clears it from the total', async () => {
    const owner = await connect(`owner-${tag}`);
    const member = await connect(`member-${tag}`);
    const group = await ok(owner.request('createGroup', { title: 'paging', members: [`member-${tag}`] }));
    for (const n of [1, 2, 3]) await ok(owner.request('send', { clientMsgId: `g${n}`, conversationId: group.conversationId, body: text(`g${n}`) }));
    await waitForQueuesIdle(cloud);
    const friend = await connect(`pal-${tag}`);
    await ok(friend.request('send', { clientMsgId: 'p1', to: `member-${tag}`, body: text('later') }));
    const page = await ok(member.request('conversations', { limit: 1 }));
    expect(page.items.map((item: any) => item.conversationId)).toEqual([`dm:${[`member-${tag}`, `pal-${tag}`].sort().join(':')}`]);
    expect(page).toMatchObject({ hasMore: true, totalUnread: 4 });
    expect(await ok(member.request('read', { conversationId: group.conversationId, upTo: 3 }))).toEqual({ unread: 0, totalUnread: 1 });
    expect((await ok(member.request('conversations', { limit: 1 }))).totalUnread).toBe(1);
    // A new message after the read is unread again, on any page.
    await ok(owner.request('send', { clientMsgId: 'g4', conversationId: group.conversationId, body: text('g4') }));
    await waitForQueuesIdle(cloud);
    const after = await ok(member.request('conversations', { limit: 1 }));
    expect(after.items[0].conversationId).toBe(group.conversationId);
    expect(after.totalUnread).toBe(2);
  });

  it('refuses a cursor it did not give and limits out of bounds, changing nothing', async () => {
    const user = await connect(`strict-${tag}`);
    await refused(user.request('conversations', { limit: 5, cursor: 'not-a-cursor' }), 'BAD_REQUEST', 'invalidField');
    await refused(user.request('conversations', { limit: 5, cursor: Buffer.from('{"a":"x","i":[]}').toString('base64url') }), 'BAD_REQUEST', 'invalidField');
    await refused(user.request('conversations', { limit: 0 }), 'BAD_REQUEST', 'invalidField');
    await refused(user.request('conversations', { limit: 101 }), 'BAD_REQUEST', 'invalidField');
    await refused(user.request('conversations', { cursor: '' }), 'BAD_REQUEST', 'invalidField');
    expect(await ok(user.request('conversations', { limit: 100 }))).toEqual({ items: [], totalUnread: 0, blocked: [], hasMore: false });
  });
});
