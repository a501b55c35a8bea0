import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CapacityLedger } from '../../local-cloud/front-door/capacity-ledger.js';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { NO_RATE_LIMITS, requestOnce } from '../reliability/harness.js';
import { waitForQueuesIdle } from '../support/fan-out-idle.js';
import { StoredItems } from '../support/stored-items.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { syncAll, type TimelineItemFrame } from '../support/timeline-reader.js';
import type { ReplyFrame, TestClient } from '../support/ws-client.js';

/**
 * Group roles (issue 17): owner, admins, members. `setRole`, `transferOwnership` and `updateGroup`
 * change them exactly once under concurrency and after a crash, every change is one `system` item
 * in every member's timeline, `onlyAdminsSend` / `onlyAdminsAdd` refuse members with nothing
 * stored, and `report` stores one report per reporter and message.
 */
describe('group roles', () => {
  let cloud: LocalCloud;
  const clients: TestClient[] = [];
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  const user = (name: string) => `${name}-${tag}`;
  let counter = 0;
  const fresh = (name: string) => user(`${name}${++counter}`);

  beforeAll(async () => {
    cloud = await startTestCloud({ functionEnvironment: NO_RATE_LIMITS });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  const connect = async (userId: string, device?: string) => {
    const client = await connectAs(cloud, userId, device);
    clients.push(client);
    return client;
  };
  const ok = (reply: ReplyFrame) => {
    expect(reply.ok, JSON.stringify(reply)).toBe(true);
    return reply.data;
  };
  const refused = (reply: ReplyFrame, code: string, reason?: string) => {
    expect(reply.ok, JSON.stringify(reply)).toBe(false);
    expect(reply.error?.code, JSON.stringify(reply)).toBe(code);
    if (reason) expect(reply.error?.reason, JSON.stringify(reply)).toBe(reason);
  };
  const summaryOf = async (client: TestClient, conversationId: string) =>
    (ok(await client.request('conversations', {})).items as Record<string, any>[]).find((item) => item.conversationId === conversationId)!;
  const systemItems = async (client: TestClient, conversationId: string, event?: string): Promise<TimelineItemFrame[]> =>
    (await syncAll(client)).filter(
      (item) => item.type === 'system' && item.system?.conversationId === conversationId && (event === undefined || item.system.event === event),
    );

  /** A group of an owner and `count` members, all connected. */
  async function group(count: number) {
    const ownerId = fresh('owner');
    const memberIds = [...Array(count).keys()].map(() => fresh('member'));
    const owner = await connect(ownerId);
    const members = await Promise.all(memberIds.map((id) => connect(id)));
    const { conversationId } = ok(await owner.request('createGroup', { title: 'roles', members: memberIds }));
    return { conversationId, owner, ownerId, members, memberIds };
  }

  it('lets the owner make an admin, shows the roles in conversations, and tells every member once, in order', async () => {
    const g = await group(3);
    const [adminId, memberId] = g.memberIds as [string, string];
    expect(ok(await g.owner.request('setRole', { conversationId: g.conversationId, userId: adminId, role: 'admin' }))).toEqual({ userId: adminId, role: 'admin', changed: true });
    ok(await g.owner.request('updateGroup', { conversationId: g.conversationId, title: 'renamed' }));
    await waitForQueuesIdle(cloud);
    const summary = await summaryOf(g.members[0]!, g.conversationId);
    expect(summary).toMatchObject({ role: 'admin', owner: g.ownerId, admins: [adminId], title: 'renamed', onlyAdminsSend: false, onlyAdminsAdd: false });
    expect((await summaryOf(g.members[1]!, g.conversationId)).role).toBe('member');
    expect((await summaryOf(g.owner, g.conversationId)).role).toBe('owner');
    for (const client of [g.owner, ...g.members]) {
      const items = await systemItems(client, g.conversationId);
      expect(items.map((item) => item.system!.event)).toEqual(['groupCreated', 'roleChanged', 'groupUpdated']);
      expect(items[1]!.system).toMatchObject({ by: g.ownerId, members: [adminId], role: 'admin' });
      expect(items[2]!.system).toMatchObject({ by: g.ownerId, title: 'renamed' });
    }
    // Setting the same role again changes nothing and writes no item.
    expect(ok(await g.owner.request('setRole', { conversationId: g.conversationId, userId: adminId, role: 'admin' })).changed).toBe(false);
    await waitForQueuesIdle(cloud);
    expect(await systemItems(g.members[1]!, g.conversationId, 'roleChanged')).toHaveLength(1);
    // Only the owner sets roles; a target outside the group is NOT_FOUND.
    refused(await g.members[0]!.request('setRole', { conversationId: g.conversationId, userId: memberId, role: 'admin' }), 'FORBIDDEN', 'notOwner');
    refused(await g.owner.request('setRole', { conversationId: g.conversationId, userId: fresh('stranger'), role: 'admin' }), 'NOT_FOUND', 'notGroupMember');
    refused(await g.owner.request('setRole', { conversationId: g.conversationId, userId: g.ownerId, role: 'member' }), 'BAD_REQUEST', 'invalidField');
  });

  it('gives admins add, remove (of plain members only) and recall of anyone, and never power over the owner or other admins', async () => {
    const g = await group(4);
    const [adminId, otherAdminId, memberId, victimId] = g.memberIds as [string, string, string, string];
    const [admin, , member] = g.members as [TestClient, TestClient, TestClient];
    for (const id of [adminId, otherAdminId]) ok(await g.owner.request('setRole', { conversationId: g.conversationId, userId: id, role: 'admin' }));
    const sent = ok(await member.request('send', { conversationId: g.conversationId, clientMsgId: 'm1', body: { kind: 'text', text: 'hello' } }));
    // Recall anyone's message.
    expect(ok(await admin.request('recall', { conversationId: g.conversationId, conversationSeq: sent.conversationSeq })).message.recalled).toBe(true);
    // Remove a plain member.
    expect(ok(await admin.request('removeMembers', { conversationId: g.conversationId, members: [victimId] })).members).not.toContain(victimId);
    // Not the owner, not another admin: refused, nothing removed.
    refused(await admin.request('removeMembers', { conversationId: g.conversationId, members: [g.ownerId] }), 'FORBIDDEN', 'notOwner');
    refused(await admin.request('removeMembers', { conversationId: g.conversationId, members: [otherAdminId, memberId] }), 'FORBIDDEN', 'notOwner');
    refused(await admin.request('setRole', { conversationId: g.conversationId, userId: otherAdminId, role: 'member' }), 'FORBIDDEN', 'notOwner');
    refused(await admin.request('transferOwnership', { conversationId: g.conversationId, userId: adminId }), 'FORBIDDEN', 'notOwner');
    // A plain member removes nobody (as before roles).
    refused(await member.request('removeMembers', { conversationId: g.conversationId, members: [adminId] }), 'FORBIDDEN', 'notOwner');
    expect((await summaryOf(g.owner, g.conversationId)).memberCount).toBe(4);
    // The owner removes an admin.
    ok(await g.owner.request('removeMembers', { conversationId: g.conversationId, members: [otherAdminId] }));
    expect((await summaryOf(g.owner, g.conversationId)).memberCount).toBe(3);
    // A demoted admin loses the powers.
    ok(await g.owner.request('setRole', { conversationId: g.conversationId, userId: adminId, role: 'member' }));
    refused(await admin.request('updateGroup', { conversationId: g.conversationId, onlyAdminsSend: true }), 'FORBIDDEN', 'notAdmin');
  });

  it('refuses a member\'s send in an onlyAdminsSend group with nothing stored and no seq spent, and a member\'s add in an onlyAdminsAdd group', async () => {
    const g = await group(2);
    const [adminId, memberId] = g.memberIds as [string, string];
    const [admin, member] = g.members as [TestClient, TestClient];
    ok(await g.owner.request('setRole', { conversationId: g.conversationId, userId: adminId, role: 'admin' }));
    expect(ok(await admin.request('updateGroup', { conversationId: g.conversationId, onlyAdminsSend: true, onlyAdminsAdd: true }))).toEqual({
      title: 'roles',
      onlyAdminsSend: true,
      onlyAdminsAdd: true,
      changed: true,
    });
    await waitForQueuesIdle(cloud);
    const before = await syncAll(member);
    const latestBefore = ok(await member.request('sync', { after: 0, limit: 1 })).latest;
    refused(await member.request('send', { conversationId: g.conversationId, clientMsgId: 'muted', body: { kind: 'text', text: 'nope' } }), 'FORBIDDEN', 'onlyAdminsSend');
    refused(await member.request('addMembers', { conversationId: g.conversationId, members: [fresh('friend')] }), 'FORBIDDEN', 'onlyAdminsAdd');
    expect(ok(await member.request('sync', { after: 0, limit: 1 })).latest).toBe(latestBefore);
    expect(ok(await g.owner.request('history', { conversationId: g.conversationId })).items).toHaveLength(0);
    const summary = await summaryOf(member, g.conversationId);
    expect(summary).toMatchObject({ onlyAdminsSend: true, onlyAdminsAdd: true, memberCount: 3 });
    // Admins and the owner still send and add.
    ok(await admin.request('send', { conversationId: g.conversationId, clientMsgId: 'a1', body: { kind: 'text', text: 'announcement' } }));
    ok(await g.owner.request('addMembers', { conversationId: g.conversationId, members: [fresh('friend')] }));
    // The same clientMsgId is free again once members may send.
    ok(await g.owner.request('updateGroup', { conversationId: g.conversationId, onlyAdminsSend: false }));
    ok(await member.request('send', { conversationId: g.conversationId, clientMsgId: 'muted', body: { kind: 'text', text: 'now I may' } }));
    await waitForQueuesIdle(cloud);
    const updates = (await syncAll(member)).slice(before.length).filter((item) => item.system?.event === 'groupUpdated');
    expect(updates.map((item) => item.system)).toEqual([expect.objectContaining({ by: g.ownerId, onlyAdminsSend: false })]);
    expect((await systemItems(member, g.conversationId, 'groupUpdated')).map((item) => item.system)).toEqual([
      expect.objectContaining({ by: adminId, onlyAdminsSend: true, onlyAdminsAdd: true }),
      expect.objectContaining({ by: g.ownerId, onlyAdminsSend: false }),
    ]);
    expect(memberId).toBeDefined();
  });

  it('costs a group send nothing extra for the onlyAdminsSend check, and a refused send no write', async () => {
    const g = await group(2);
    const member = g.members[0]!;
    const sendCost = async (client: TestClient, clientMsgId: string) => {
      const mark = cloud.dynamoFrontDoor.ledger.mark();
      const reply = await client.request('send', { conversationId: g.conversationId, clientMsgId, body: { kind: 'text', text: 'cost' } });
      await waitForQueuesIdle(cloud);
      return { reply, units: CapacityLedger.total(cloud.dynamoFrontDoor.ledger.since(mark).filter((entry) => entry.caller.includes('SendHandler'))) };
    };
    await sendCost(g.owner, 'warm');
    // The first send of a minute costs one more write (it opens the sender's rate window): each
    // case is measured twice and the cheaper send compared.
    const cheaper = async (label: string) => {
      const [first, second] = [await sendCost(g.owner, `${label}-1`), await sendCost(g.owner, `${label}-2`)];
      return first.units.write <= second.units.write ? first : second;
    };
    const open = await cheaper('open');
    ok(await g.owner.request('updateGroup', { conversationId: g.conversationId, onlyAdminsSend: true }));
    const flagged = await cheaper('flagged');
    ok(flagged.reply);
    const refusedSend = await sendCost(member, 'refused');
    refused(refusedSend.reply, 'FORBIDDEN', 'onlyAdminsSend');
    console.log('group send (3 members)', { open: open.units, onlyAdminsSend: flagged.units, refused: refusedSend.units });
    expect(flagged.units.read).toBe(open.units.read);
    expect(flagged.units.write).toBe(open.units.write);
    expect(flagged.units.calls).toBe(open.units.calls);
    // Refused: the membership and head reads, nothing written.
    expect(refusedSend.units.write).toBe(0);
    expect(refusedSend.units.calls).toBe(2);
  });

  it('makes one change and one system item of the same setRole or updateGroup from two devices at once', async () => {
    const g = await group(3);
    const laptop = await connect(g.ownerId, 'laptop');
    for (const [index, userId] of g.memberIds.entries()) {
      const replies = await Promise.all([g.owner, laptop].map((device) => device.request('setRole', { conversationId: g.conversationId, userId, role: 'admin' })));
      expect(replies.map((reply) => ok(reply).changed).sort(), `round ${index}`).toEqual([false, true]);
    }
    const updates = await Promise.all([g.owner, laptop].map((device) => device.request('updateGroup', { conversationId: g.conversationId, title: 'twice', onlyAdminsSend: true })));
    expect(updates.map((reply) => ok(reply).changed).sort()).toEqual([false, true]);
    await waitForQueuesIdle(cloud);
    for (const client of [g.owner, ...g.members]) {
      const items = await systemItems(client, g.conversationId);
      expect(items.filter((item) => item.system!.event === 'roleChanged').flatMap((item) => item.system!.members as string[]).sort()).toEqual([...g.memberIds].sort());
      expect(items.filter((item) => item.system!.event === 'groupUpdated')).toHaveLength(1);
    }
    expect((await summaryOf(g.owner, g.conversationId)).admins.sort()).toEqual([...g.memberIds].sort());
  });

  it('transfers ownership: the old owner becomes an admin, and racing transfers or a leaving target leave exactly one owner', async () => {
    const g = await group(3);
    const [first, second, third] = g.memberIds as [string, string, string];
    const [firstClient, secondClient] = g.members as [TestClient, TestClient];
    expect(ok(await g.owner.request('transferOwnership', { conversationId: g.conversationId, userId: first }))).toEqual({
      owner: first,
      previousOwner: g.ownerId,
      previousOwnerRole: 'admin',
    });
    expect(await summaryOf(g.owner, g.conversationId)).toMatchObject({ role: 'admin', owner: first });
    refused(await g.owner.request('setRole', { conversationId: g.conversationId, userId: second, role: 'admin' }), 'FORBIDDEN', 'notOwner');
    // The new owner hands it on to two members at once: one wins.
    const laptop = await connect(first, 'laptop');
    const racing = await Promise.all([
      firstClient.request('transferOwnership', { conversationId: g.conversationId, userId: second }),
      laptop.request('transferOwnership', { conversationId: g.conversationId, userId: third }),
    ]);
    expect(racing.filter((reply) => reply.ok)).toHaveLength(1);
    const winner = racing.find((reply) => reply.ok)!.data.owner as string;
    // The new owner leaves while being handed the group back... whichever wins, one owner remains.
    const winnerClient = winner === second ? secondClient : g.members[2]!;
    const race = await Promise.all([
      winnerClient.request('transferOwnership', { conversationId: g.conversationId, userId: first }),
      firstClient.request('leaveGroup', { conversationId: g.conversationId }),
    ]);
    for (const reply of race) expect(reply.ok || reply.error?.code === 'NOT_FOUND' || reply.error?.code === 'FORBIDDEN', JSON.stringify(reply)).toBe(true);
    await waitForQueuesIdle(cloud);
    const everyone: [string, TestClient][] = [[g.ownerId, g.owner], ...g.memberIds.map((id, index) => [id, g.members[index]!] as [string, TestClient])];
    const remaining = everyone.filter(([id]) => id !== first).map(([, client]) => client);
    const summaries = await Promise.all(remaining.map((client) => summaryOf(client, g.conversationId)));
    const owners = summaries.filter((summary) => summary.role === 'owner');
    expect(owners, JSON.stringify(summaries)).toHaveLength(1);
    expect(summaries.every((summary) => summary.owner === summaries[0]!.owner)).toBe(true);
    expect(summaries[0]!.members).toContain(summaries[0]!.owner);
    expect(summaries[0]!.members).not.toContain(first);
  });

  it('hands the group to the next member when the owner leaves, announced to everyone', async () => {
    const g = await group(2);
    const next = [...g.memberIds].sort()[0]!;
    ok(await g.owner.request('leaveGroup', { conversationId: g.conversationId }));
    await waitForQueuesIdle(cloud);
    const nextClient = g.members[g.memberIds.indexOf(next)]!;
    expect(await summaryOf(nextClient, g.conversationId)).toMatchObject({ role: 'owner', owner: next, memberCount: 2 });
    const events = (await systemItems(nextClient, g.conversationId)).map((item) => item.system!.event);
    expect(events).toEqual(['groupCreated', 'ownershipTransferred', 'memberLeft']);
  });

  it('finishes a change whose handler crashed after writing it when the request is retried: one change, one item each', async () => {
    const g = await group(2);
    const [target] = g.memberIds as [string];
    const steps = ['roles:changed', 'roles:settings-changed', 'roles:transferred'];
    for (const step of steps) cloud.lambda.faults.inject({ functionName: 'GroupRolesHandler', step, action: 'crash', times: 1 });
    const retried = async (action: string, params: Record<string, unknown>) => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const reply = await requestOnce(g.owner, action, params);
        if (reply !== 'crashed' && reply !== 'closed' && reply.error?.code !== 'INTERNAL') return reply;
      }
      throw new Error(`${action} never answered`);
    };
    expect(ok(await retried('setRole', { conversationId: g.conversationId, userId: target, role: 'admin' })).changed).toBe(false);
    expect(ok(await retried('updateGroup', { conversationId: g.conversationId, onlyAdminsAdd: true })).changed).toBe(false);
    expect(ok(await retried('transferOwnership', { conversationId: g.conversationId, userId: target })).owner).toBe(target);
    expect(cloud.lambda.faults.fired.map((fault) => fault.step)).toEqual(expect.arrayContaining(steps));
    cloud.lambda.faults.clear();
    await waitForQueuesIdle(cloud);
    for (const client of [g.owner, ...g.members]) {
      const events = (await systemItems(client, g.conversationId)).map((item) => item.system!.event);
      expect(events).toEqual(['groupCreated', 'roleChanged', 'groupUpdated', 'ownershipTransferred']);
    }
    expect(await summaryOf(g.owner, g.conversationId)).toMatchObject({ role: 'admin', owner: target, onlyAdminsAdd: true });
  });

  it('stores one report per reporter and message, for members only', async () => {
    const g = await group(2);
    const [reporter, other] = g.members as [TestClient, TestClient];
    const sent = ok(await g.owner.request('send', { conversationId: g.conversationId, clientMsgId: 'r1', body: { kind: 'text', text: 'offensive' } }));
    const first = ok(await reporter.request('report', { conversationId: g.conversationId, conversationSeq: sent.conversationSeq, reason: 'harassment' }));
    expect(first).toMatchObject({ reason: 'harassment', alreadyReported: false });
    const again = ok(await reporter.request('report', { conversationId: g.conversationId, conversationSeq: sent.conversationSeq, reason: 'spam' }));
    expect(again).toEqual({ reportedAt: first.reportedAt, reason: 'harassment', alreadyReported: true });
    expect(ok(await other.request('report', { conversationId: g.conversationId, conversationSeq: sent.conversationSeq, reason: 'spam' })).alreadyReported).toBe(false);
    refused(await reporter.request('report', { conversationId: g.conversationId, conversationSeq: 99, reason: 'spam' }), 'NOT_FOUND');
    refused(await reporter.request('report', { conversationId: g.conversationId, conversationSeq: 1, reason: 'because' }), 'BAD_REQUEST', 'invalidField');
    const outsider = await connect(fresh('outsider'));
    refused(await outsider.request('report', { conversationId: g.conversationId, conversationSeq: 1, reason: 'spam' }), 'FORBIDDEN', 'notMember');
    // Direct conversations too.
    const dm = ok(await reporter.request('send', { to: g.ownerId, clientMsgId: 'dm1', body: { kind: 'text', text: 'hi' } }));
    expect(ok(await g.owner.request('report', { conversationId: dm.conversationId, conversationSeq: dm.conversationSeq, reason: 'spam' })).alreadyReported).toBe(false);
    // Reports are invisible to the conversation: history and the list are unchanged.
    expect(ok(await g.owner.request('history', { conversationId: g.conversationId })).items).toHaveLength(1);
    // What the company reads: one record per reporter and message, recognisable by its key and type.
    const stored = new StoredItems(cloud);
    try {
      const reports = (await stored.scan('MessagingConversations')).filter((item) => item.recordType === 'report' && item.reportedConversationId === g.conversationId);
      const [reporterId, otherId] = g.memberIds as [string, string];
      expect(reports.map((item) => item.reporter).sort()).toEqual([reporterId, otherId].sort());
      expect(reports.find((item) => item.reporter === reporterId)).toMatchObject({
        conversationId: `report#${g.conversationId}#${reporterId}`,
        cseq: sent.conversationSeq,
        conversationSeq: sent.conversationSeq,
        msgId: sent.msgId,
        author: g.ownerId,
        reason: 'harassment',
        reportedAt: first.reportedAt,
      });
    } finally {
      stored.close();
    }
  });
});
