import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { NO_RATE_LIMITS } from '../reliability/harness.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { syncAll } from '../support/timeline-reader.js';
import type { ReplyFrame, TestClient } from '../support/ws-client.js';

/**
 * Membership changes are exact under concurrency: two devices adding (or removing) the same user
 * at once change the member count once and write one system item. The count decides the large-
 * group switch and `maxGroupMembers`, so a drift would bypass the limit or block all adds.
 */
describe('concurrent membership changes', () => {
  let cloud: LocalCloud;
  const clients: TestClient[] = [];
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  const user = (name: string) => `${name}-${tag}`;
  const owner = user('owner');
  let phone: TestClient;
  let laptop: TestClient;

  beforeAll(async () => {
    cloud = await startTestCloud({ functionEnvironment: NO_RATE_LIMITS });
    phone = await connectAs(cloud, owner, 'phone');
    laptop = await connectAs(cloud, owner, 'laptop');
    clients.push(phone, laptop);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  const ok = (reply: ReplyFrame) => {
    expect(reply.ok, JSON.stringify(reply)).toBe(true);
    return reply.data;
  };
  const groupSummary = async (conversationId: string) =>
    (ok(await phone.request('conversations', {})).items as { conversationId: string; memberCount: number; members: string[] }[]).find(
      (summary) => summary.conversationId === conversationId,
    )!;
  const systemItems = async (conversationId: string, event: string) =>
    (await syncAll(phone)).filter((item) => item.type === 'system' && item.system?.conversationId === conversationId && item.system.event === event);

  it('counts a user added from two devices at once once, with one membersAdded item', async () => {
    const initial = [...Array(9).keys()].map((n) => user(`start${n}`));
    const { conversationId } = ok(await phone.request('createGroup', { title: 'races', members: initial }));
    const newcomers = [...Array(8).keys()].map((n) => user(`new${n}`));
    for (const newcomer of newcomers) {
      const replies = await Promise.all([phone, laptop].map((device) => device.request('addMembers', { conversationId, members: [newcomer] })));
      for (const reply of replies) ok(reply);
    }
    const summary = await groupSummary(conversationId);
    expect(summary.memberCount).toBe(10 + newcomers.length);
    expect(summary.members).toHaveLength(summary.memberCount);
    const added = await systemItems(conversationId, 'membersAdded');
    expect(added.flatMap((item) => item.system!.members ?? []).sort()).toEqual([...newcomers].sort());
  });

  it('counts a member removed and leaving at once once, with one system item, and keeps adds possible', async () => {
    const [stayer, leaver] = [user('stayer'), user('leaver')];
    const { conversationId } = ok(await phone.request('createGroup', { title: 'leaving', members: [stayer, leaver] }));
    const leaverClient = await connectAs(cloud, leaver);
    clients.push(leaverClient);
    const replies = await Promise.all([
      phone.request('removeMembers', { conversationId, members: [leaver] }),
      laptop.request('removeMembers', { conversationId, members: [leaver] }),
      leaverClient.request('leaveGroup', { conversationId }),
    ]);
    for (const reply of replies) expect(reply.ok || reply.error?.code === 'FORBIDDEN', JSON.stringify(reply)).toBe(true);
    const summary = await groupSummary(conversationId);
    expect(summary.memberCount).toBe(2);
    expect(summary.members.sort()).toEqual([owner, stayer].sort());
    const gone = [...(await systemItems(conversationId, 'membersRemoved')), ...(await systemItems(conversationId, 'memberLeft'))];
    expect(gone).toHaveLength(1);
    // Removing someone who already left changes nothing and announces nothing.
    const again = ok(await phone.request('removeMembers', { conversationId, members: [leaver] }));
    expect(again.memberCount).toBe(2);
    expect([...(await systemItems(conversationId, 'membersRemoved')), ...(await systemItems(conversationId, 'memberLeft'))]).toHaveLength(1);
    expect(ok(await laptop.request('addMembers', { conversationId, members: [leaver] })).memberCount).toBe(3);
  });
});
