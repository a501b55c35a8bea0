import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { NO_RATE_LIMITS } from '../reliability/harness.js';
import { waitForQueuesIdle } from '../support/fan-out-idle.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { syncAll } from '../support/timeline-reader.js';
import type { ReplyFrame, TestClient } from '../support/ws-client.js';

/**
 * Invariant 4: a user reads only their own timeline and the conversations they belong to. The
 * matrix: every action that takes a conversationId, for a user outside the conversation, a member
 * who was removed, and (removeMembers) a member who is not the owner, on a group and on a direct
 * conversation; refusals are FORBIDDEN, identical whether or not the conversation exists, leak no
 * body, title or member id, and change nothing. Plus the size limits (TOO_LARGE).
 */

const MAX_GROUP_MEMBERS = 5;
const SECRET_BODY = 'the-launch-code-is-0000';
const SECRET_TITLE = 'project-nightingale';
const text = (value: string) => ({ kind: 'text', text: value });
const tag = `${process.pid}-${Date.now().toString(36)}`;
const id = (name: string) => `${name}-${tag}`;

describe('authorization matrix and limits', () => {
  let cloud: LocalCloud;
  const clients: TestClient[] = [];
  const connect = async (userId: string) => {
    const client = await connectAs(cloud, userId);
    clients.push(client);
    return client;
  };
  const [owner, alice, bob, removed, outsider] = ['owner', 'alice', 'bob', 'removed', 'outsider'].map(id) as [string, string, string, string, string];
  let o: TestClient;
  let a: TestClient;
  let b: TestClient;
  let r: TestClient;
  let x: TestClient;
  let group = '';
  let direct = '';

  beforeAll(async () => {
    cloud = await startTestCloud({ functionEnvironment: { MAX_GROUP_MEMBERS: String(MAX_GROUP_MEMBERS), ...NO_RATE_LIMITS } });
    [o, a, b, r, x] = await Promise.all([owner, alice, bob, removed, outsider].map(connect)) as [TestClient, TestClient, TestClient, TestClient, TestClient];
    const created = await o.request('createGroup', { title: SECRET_TITLE, members: [alice, bob, removed] });
    expect(created.ok, JSON.stringify(created)).toBe(true);
    group = created.data.conversationId;
    expect((await o.request('send', { clientMsgId: 'g1', conversationId: group, body: text(SECRET_BODY) })).ok).toBe(true);
    expect((await o.request('removeMembers', { conversationId: group, members: [removed] })).ok).toBe(true);
    const sent = await a.request('send', { clientMsgId: 'd1', to: bob, body: text(SECRET_BODY) });
    direct = sent.data.conversationId;
    await waitForQueuesIdle(cloud);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  const conversationActions = (conversationId: string): [string, Record<string, unknown>][] => [
    ['send', { conversationId, clientMsgId: `sneak-${Math.random()}`, body: text('let me in') }],
    ['history', { conversationId }],
    ['history', { conversationId, before: 2, limit: 1 }],
    ['syncConversation', { conversationId, after: 0 }],
    ['read', { conversationId, upTo: 1 }],
    ['readReceipts', { conversationId, conversationSeq: 1 }],
    ['typing', { conversationId }],
    ['addMembers', { conversationId, members: [outsider] }],
    ['removeMembers', { conversationId, members: [bob] }],
    ['leaveGroup', { conversationId }],
    ['edit', { conversationId, conversationSeq: 1, body: text('let me in') }],
    ['recall', { conversationId, conversationSeq: 1 }],
    ['react', { conversationId, conversationSeq: 1, emoji: '👍', on: true }],
    ['deleteForMe', { conversationId, conversationSeqs: [1] }],
    ['delivered', { conversationId, upTo: 1 }],
    ['setRole', { conversationId, userId: bob, role: 'admin' }],
    ['transferOwnership', { conversationId, userId: bob }],
    ['updateGroup', { conversationId, title: 'taken over', onlyAdminsSend: true }],
    ['report', { conversationId, conversationSeq: 1, reason: 'spam' }],
  ];

  const expectCleanRefusal = (reply: ReplyFrame, what: string) => {
    expect(reply.ok, `${what}: ${JSON.stringify(reply)}`).toBe(false);
    expect(reply.error?.code, `${what}: ${JSON.stringify(reply)}`).toBe('FORBIDDEN');
    const textOfReply = JSON.stringify(reply);
    for (const secret of [SECRET_BODY, SECRET_TITLE, owner, alice, bob, removed]) expect(textOfReply, `${what} leaks ${secret}`).not.toContain(secret);
  };

  const snapshot = async () => {
    // Timelines first: a sync records delivered receipts (deliveredUpTo in the lists), so the
    // lists are read after it, and a second snapshot's syncs change nothing.
    const timelines = await Promise.all([o, a, b, r, x].map((client) => syncAll(client)));
    const [lists, history] = await Promise.all([
      Promise.all([o, a, b, r, x].map((client) => client.request('conversations'))),
      o.request('history', { conversationId: group }),
    ]);
    return JSON.stringify({ timelines, lists: lists.map((list) => list.data), history: history.data });
  };

  it('refuses an outsider and a removed member on every conversation action, for a group and a direct conversation, changing nothing', async () => {
    const before = await snapshot();
    const refusals: string[] = [];
    for (const [who, client] of [['outsider', x], ['removed member', r]] as const) {
      for (const conversationId of [group, direct]) {
        for (const [action, params] of conversationActions(conversationId)) {
          const reply = await client.request(action, params);
          expectCleanRefusal(reply, `${who} ${action} ${conversationId.slice(0, 3)}`);
          refusals.push(reply.error!.message);
        }
      }
    }
    // One text for every refusal of a conversation one is not in.
    expect(new Set(refusals).size).toBe(1);
    await waitForQueuesIdle(cloud);
    expect(await snapshot()).toEqual(before);
  });

  it('answers a conversation that does not exist exactly like one the caller is not in', async () => {
    const missingGroup = 'g:AAAAAAAAAAAAAAAAAAAAAA';
    const missingDirect = `dm:${id('nobody1')}:${id('nobody2')}`;
    for (const conversationId of [missingGroup, missingDirect]) {
      for (const [action, params] of conversationActions(conversationId)) {
        const existing = await x.request(action, { ...params, conversationId: action === 'send' ? group : group });
        const missing = await x.request(action, params);
        expectCleanRefusal(missing, `missing ${action}`);
        expect(missing.error).toEqual(existing.error);
      }
    }
  });

  it('lets only the owner remove others: a member who is not the owner is refused and nothing changes', async () => {
    const before = await snapshot();
    for (const client of [a, b]) {
      const reply = await client.request('removeMembers', { conversationId: group, members: [owner] });
      expect(reply.error?.code).toBe('FORBIDDEN');
      const other = await client.request('removeMembers', { conversationId: group, members: [client === a ? bob : alice] });
      expect(other.error?.code).toBe('FORBIDDEN');
      expect(JSON.stringify(other)).not.toContain(SECRET_TITLE);
    }
    await waitForQueuesIdle(cloud);
    expect(await snapshot()).toEqual(before);
  });

  it('gives each role exactly its powers over a group: owner, admin, member (refusals FORBIDDEN, leaking and changing nothing)', async () => {
    const [admin, member, spare] = [id('roleAdmin'), id('roleMember'), id('roleSpare')];
    const [ac, mc] = await Promise.all([admin, member].map(connect)) as [TestClient, TestClient];
    const created = await o.request('createGroup', { title: SECRET_TITLE, members: [admin, member, spare] });
    const roles = created.data.conversationId as string;
    expect((await o.request('setRole', { conversationId: roles, userId: admin, role: 'admin' })).ok).toBe(true);
    const ownersMessage = (await o.request('send', { conversationId: roles, clientMsgId: 'r-owner', body: text(SECRET_BODY) })).data.conversationSeq;
    const membersMessage = (await mc.request('send', { conversationId: roles, clientMsgId: 'r-member', body: text(SECRET_BODY) })).data.conversationSeq;
    await waitForQueuesIdle(cloud);
    const state = async () => {
      const [lists, history] = await Promise.all([Promise.all([o, ac, mc].map((client) => client.request('conversations'))), o.request('history', { conversationId: roles })]);
      return JSON.stringify({ lists: lists.map((list) => list.data.items.find((item: any) => item.conversationId === roles)), history: history.data });
    };
    const before = await state();
    // [who, action, params, reason of the refusal]
    const refusals: [string, TestClient, string, Record<string, unknown>, string][] = [
      ['admin', ac, 'setRole', { conversationId: roles, userId: member, role: 'admin' }, 'notOwner'],
      ['admin', ac, 'setRole', { conversationId: roles, userId: admin, role: 'member' }, 'notOwner'],
      ['admin', ac, 'transferOwnership', { conversationId: roles, userId: admin }, 'notOwner'],
      ['admin', ac, 'removeMembers', { conversationId: roles, members: [owner] }, 'notOwner'],
      ['member', mc, 'setRole', { conversationId: roles, userId: member, role: 'admin' }, 'notOwner'],
      ['member', mc, 'transferOwnership', { conversationId: roles, userId: member }, 'notOwner'],
      ['member', mc, 'updateGroup', { conversationId: roles, onlyAdminsSend: true }, 'notAdmin'],
      ['member', mc, 'removeMembers', { conversationId: roles, members: [spare] }, 'notOwner'],
      ['member', mc, 'removeMembers', { conversationId: roles, members: [admin] }, 'notOwner'],
      ['member', mc, 'recall', { conversationId: roles, conversationSeq: ownersMessage }, 'notSender'],
    ];
    for (const [who, client, action, params, reason] of refusals) {
      const reply = await client.request(action, params);
      expect(reply.error, `${who} ${action} ${JSON.stringify(params)}: ${JSON.stringify(reply)}`).toMatchObject({ code: 'FORBIDDEN', reason });
      expect(JSON.stringify(reply)).not.toContain(SECRET_BODY);
      expect(JSON.stringify(reply)).not.toContain(SECRET_TITLE);
    }
    await waitForQueuesIdle(cloud);
    expect(await state()).toEqual(before);
    // What each role may do.
    for (const client of [o, ac, mc]) expect((await client.request('report', { conversationId: roles, conversationSeq: ownersMessage, reason: 'other' })).ok).toBe(true);
    expect((await ac.request('updateGroup', { conversationId: roles, onlyAdminsAdd: true })).ok).toBe(true);
    expect((await o.request('updateGroup', { conversationId: roles, onlyAdminsAdd: false })).ok).toBe(true);
    expect((await ac.request('recall', { conversationId: roles, conversationSeq: membersMessage })).ok).toBe(true);
    expect((await ac.request('removeMembers', { conversationId: roles, members: [spare] })).ok).toBe(true);
    expect((await o.request('removeMembers', { conversationId: roles, members: [admin] })).ok).toBe(true);
    // The removed admin is an outsider now, for the new actions as for the old.
    for (const [action, params] of conversationActions(roles)) expectCleanRefusal(await ac.request(action, params), `removed admin ${action}`);
    expect((await o.request('transferOwnership', { conversationId: roles, userId: member })).ok).toBe(true);
    expect((await o.request('setRole', { conversationId: roles, userId: member, role: 'member' })).error?.reason).toBe('notOwner');
  });

  it('shows a removed member nothing sent after the removal', async () => {
    expect((await o.request('send', { clientMsgId: 'after', conversationId: group, body: text('after removal') })).ok).toBe(true);
    await waitForQueuesIdle(cloud);
    const seen = (await syncAll(r)).flatMap((item) => (item.message ? [item.message.body.text] : []));
    expect(seen).not.toContain('after removal');
    expect((await syncAll(x)).length).toBe(0);
  });

  it('enforces the message size limits with TOO_LARGE and stores nothing for them', async () => {
    const before = (await syncAll(b)).length;
    expect((await a.request('send', { clientMsgId: 'big-text', to: bob, body: text('x'.repeat(4001)) })).error?.code).toBe('TOO_LARGE');
    expect((await a.request('send', { clientMsgId: 'big-emoji', to: bob, body: text('🙂'.repeat(4001)) })).error?.code).toBe('TOO_LARGE');
    const bigPayload = { kind: 'custom', type: 'blob', payload: { data: 'y'.repeat(16 * 1024) } };
    expect((await a.request('send', { clientMsgId: 'big-custom', to: bob, body: bigPayload })).error?.code).toBe('TOO_LARGE');
    expect((await syncAll(b)).length).toBe(before);
    // At the limits it is accepted.
    expect((await a.request('send', { clientMsgId: 'max-text', to: bob, body: text('x'.repeat(4000)) })).ok).toBe(true);
    const atLimit = { kind: 'custom', type: 'blob', payload: 'z'.repeat(16 * 1024 - 2) };
    const custom = await a.request('send', { clientMsgId: 'max-custom', to: bob, body: atLimit });
    expect(custom.ok, JSON.stringify(custom)).toBe(true);
  });

  it(`enforces the group size limit (maxGroupMembers = ${MAX_GROUP_MEMBERS}) and at most 100 members per request`, async () => {
    const others = [...Array(MAX_GROUP_MEMBERS).keys()].map((index) => id(`member${index}`));
    const tooBig = await o.request('createGroup', { title: 'too big', members: others });
    expect(tooBig.error?.code, JSON.stringify(tooBig)).toBe('TOO_LARGE');
    const full = await o.request('createGroup', { title: 'full', members: others.slice(0, MAX_GROUP_MEMBERS - 1) });
    expect(full.ok, JSON.stringify(full)).toBe(true);
    const over = await o.request('addMembers', { conversationId: full.data.conversationId, members: [others[MAX_GROUP_MEMBERS - 1]] });
    expect(over.error?.code).toBe('TOO_LARGE');
    const listed = (await o.request('conversations')).data.items.find((item: any) => item.conversationId === full.data.conversationId);
    expect(listed.members).toHaveLength(MAX_GROUP_MEMBERS);
    const many = [...Array(101).keys()].map((index) => `u${index}`);
    for (const [action, params] of [
      ['createGroup', { title: 'many', members: many }],
      ['addMembers', { conversationId: group, members: many }],
      ['removeMembers', { conversationId: group, members: many }],
    ] as const) {
      expect((await o.request(action, params)).error?.code, action).toBe('TOO_LARGE');
    }
    expect((await o.request('presence', { users: many })).error?.code).toBe('BAD_REQUEST');
  });

  it('block and unblock act only on the caller\'s own list: an outsider, a member, the owner and the blocked user each change only their own pair', async () => {
    const refusedBlocked = async (client: TestClient, to: string, what: string) => {
      const reply = await client.request('send', { clientMsgId: `blk-${Math.random()}`, to, body: text('blocked?') });
      expect(reply.error, `${what}: ${JSON.stringify(reply)}`).toMatchObject({ code: 'FORBIDDEN', reason: 'blocked' });
      for (const secret of [SECRET_BODY, SECRET_TITLE]) expect(JSON.stringify(reply)).not.toContain(secret);
    };
    const sends = async (client: TestClient, params: Record<string, unknown>, what: string) => {
      const reply = await client.request('send', { clientMsgId: `ok-${Math.random()}`, body: text('fine'), ...params });
      expect(reply.ok, `${what}: ${JSON.stringify(reply)}`).toBe(true);
    };
    const listOf = async (client: TestClient) => (await client.request('conversations')).data.blocked;

    // An outsider blocks a member: only the outsider's pair changes.
    expect((await x.request('block', { userId: alice })).ok).toBe(true);
    expect(await listOf(x)).toEqual([alice]);
    expect(await listOf(a)).toEqual([]);
    await sends(a, { to: bob }, 'alice to bob after an outsider blocked alice');
    await refusedBlocked(a, outsider, 'alice to the outsider who blocks her');

    // A member blocks their direct peer: the peer (the blocked user) cannot lift it.
    expect((await b.request('block', { userId: alice })).ok).toBe(true);
    await refusedBlocked(a, bob, 'blocked alice to bob');
    expect((await a.request('unblock', { userId: bob })).ok).toBe(true);
    await refusedBlocked(a, bob, 'blocked alice to bob after her own unblock');
    expect(await listOf(a)).toEqual([]);
    // Nor read the blocker's presence, nor make them see typing, though they share the group.
    expect((await a.request('presence', { users: [bob] })).data.users[bob]).toEqual({ online: false, lastSeen: null });
    // The shared group is not the pair's conversation: both still send there.
    await sends(a, { conversationId: group }, 'blocked alice in the shared group');
    await sends(b, { conversationId: group }, 'bob in the shared group');

    // The owner blocks a member: group administration is unchanged by it.
    expect((await o.request('block', { userId: bob })).ok).toBe(true);
    await refusedBlocked(b, owner, 'bob to the owner who blocks him');
    await sends(b, { conversationId: group }, 'bob in the group of the owner who blocks him');
    const readdable = await o.request('addMembers', { conversationId: group, members: [outsider] });
    expect(readdable.ok, JSON.stringify(readdable)).toBe(true);
    expect((await o.request('removeMembers', { conversationId: group, members: [outsider] })).ok).toBe(true);

    // Nobody blocks themselves; a malformed id is BAD_REQUEST.
    for (const [client, self] of [[o, owner], [a, alice], [x, outsider]] as const) {
      expect((await client.request('block', { userId: self })).error).toMatchObject({ code: 'BAD_REQUEST', reason: 'invalidField' });
    }
    expect((await x.request('block', { userId: 'g:AAAAAAAA' })).error?.code).toBe('BAD_REQUEST');

    for (const [client, other] of [[x, alice], [b, alice], [o, bob]] as const) expect((await client.request('unblock', { userId: other })).ok).toBe(true);
    await sends(a, { to: bob }, 'alice to bob once unblocked');
    await waitForQueuesIdle(cloud);
  });
});
