import { actions, directConversationId, events } from '@serverless-im/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { NO_RATE_LIMITS, requestOnce } from '../reliability/harness.js';
import { waitForQueuesIdle } from '../support/fan-out-idle.js';
import { RUN_ID } from '../support/protocol-target.js';
import { StoredItems } from '../support/stored-items.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { syncAll, type TimelineItemFrame } from '../support/timeline-reader.js';
import type { TestClient } from '../support/ws-client.js';
import { refused, text } from '../support/replies.js';

/** Groups of more members than this are large (read fan-out) in this cloud. */
const LARGE_GROUP_THRESHOLD = 5;
let counter = 0;
const unique = (name: string) => `${name}-${RUN_ID}-${++counter}`;

/**
 * What a client ends up holding for one conversation after applying its timeline in seq order:
 * `message` items insert, `update` items replace when their version is higher (the protocol's
 * rule). Keyed by conversationSeq.
 */
function applyTimeline(items: TimelineItemFrame[], conversationId: string): Map<number, any> {
  const held = new Map<number, any>();
  for (const item of items) {
    const message = item.message as any;
    if (!message || message.conversationId !== conversationId) continue;
    const known = held.get(message.conversationSeq);
    if (!known || (message.version ?? 1) > (known.version ?? 1)) held.set(message.conversationSeq, message);
  }
  return held;
}

const updatesOf = (items: TimelineItemFrame[], msgId: string) => items.filter((item) => item.type === 'update' && item.message?.msgId === msgId);

/** Every reply that carries a changed message, for the conformance check at the end. */
const changeReplies: unknown[] = [];

async function ok(reply: Promise<any> | any): Promise<any> {
  const frame = await reply;
  expect(frame.ok, JSON.stringify(frame)).toBe(true);
  if (frame.data?.message) changeReplies.push(frame.data);
  return frame.data;
}

describe('message lifecycle: edit, recall, react', () => {
  let cloud: LocalCloud;
  let stored: StoredItems;
  const clients: TestClient[] = [];
  const connect = async (userId: string, deviceId?: string) => {
    const client = await connectAs(cloud, userId, deviceId);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    cloud = await startTestCloud({ functionEnvironment: { LARGE_GROUP_THRESHOLD: String(LARGE_GROUP_THRESHOLD), ...NO_RATE_LIMITS }, queueAttributes: { VisibilityTimeout: '5' } });
    stored = new StoredItems(cloud);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    stored?.close();
    await cloud?.stop();
  });

  it('edits a direct message for both users and every device, once per request, and syncs it to a device that was offline', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const phone = await connect(alice, 'phone');
    const laptop = await connect(alice, 'laptop');
    const b = await connect(bob);
    const conversationId = directConversationId(alice, bob);
    const sent = await ok(phone.request('send', { clientMsgId: 'm1', to: bob, body: text('helo') }));

    const edited = await ok(phone.request('edit', { conversationId, conversationSeq: sent.conversationSeq, body: text('hello') }));
    expect(edited.message).toMatchObject({ msgId: sent.msgId, body: text('hello'), version: 2, editedAt: expect.any(Number) });
    expect(edited.seq).toEqual(expect.any(Number));
    // The peer and the sender's other device get the update pushed; the editing device has its reply.
    await b.waitForEvent('message', (item) => item.type === 'update' && item.message.version === 2);
    await laptop.waitForEvent('message', (item) => item.type === 'update' && item.message.body.text === 'hello');
    expect(phone.events.filter((event) => event.data?.type === 'update')).toEqual([]);

    // The same edit again (a retry after a lost reply) changes nothing and writes no second update.
    const again = await ok(phone.request('edit', { conversationId, conversationSeq: sent.conversationSeq, body: text('hello') }));
    expect(again).toEqual(edited);
    for (const client of [phone, b]) {
      const items = await syncAll(client);
      expect(updatesOf(items, sent.msgId)).toHaveLength(1);
      expect(applyTimeline(items, conversationId).get(1)).toMatchObject({ body: text('hello'), version: 2 });
    }
    expect((await ok(b.request('history', { conversationId }))).items[0]).toMatchObject({ body: text('hello'), version: 2 });
    const fresh = await connect(bob, 'new-device');
    expect(applyTimeline(await syncAll(fresh), conversationId).get(1)).toMatchObject({ body: text('hello') });
    // Editing never changes unread.
    const listed = (await ok(b.request('conversations'))).items.find((item: any) => item.conversationId === conversationId);
    expect(listed).toMatchObject({ unread: 1, lastMessage: { body: text('hello') } });
  });

  it('converges when two devices edit at once: last writer by server order, everywhere', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const phone = await connect(alice, 'phone');
    const laptop = await connect(alice, 'laptop');
    const b = await connect(bob);
    const conversationId = directConversationId(alice, bob);
    const sent = await ok(phone.request('send', { clientMsgId: 'm1', to: bob, body: text('v1') }));
    const edits = await Promise.all([
      ...['p1', 'p2', 'p3'].map((label) => phone.request('edit', { conversationId, conversationSeq: sent.conversationSeq, body: text(label) })),
      ...['l1', 'l2', 'l3'].map((label) => laptop.request('edit', { conversationId, conversationSeq: sent.conversationSeq, body: text(label) })),
    ]);
    for (const reply of edits) expect(reply.ok, JSON.stringify(reply)).toBe(true);
    // Each edit got its own version; the one with the highest is what is stored.
    const versions = edits.map((reply) => reply.data.message.version).sort((x, y) => x - y);
    expect(versions).toEqual([2, 3, 4, 5, 6, 7]);
    const last = edits.find((reply) => reply.data.message.version === 7)!.data.message;
    const [current] = (await ok(b.request('history', { conversationId }))).items;
    expect(current).toEqual(last);
    for (const client of [phone, laptop, b]) {
      const items = await syncAll(client);
      expect(updatesOf(items, sent.msgId)).toHaveLength(6);
      expect(applyTimeline(items, conversationId).get(1)).toEqual(last);
    }
    // Applying pushes in any order with the version rule ends in the same state.
    await b.waitFor(() => b.events.filter((event) => event.data?.type === 'update').length === 6);
    const pushed = b.events.filter((event) => event.data?.type === 'update').map((event) => event.data.message);
    const byVersion = pushed.reduce((best, message) => ((message.version ?? 1) > (best.version ?? 1) ? message : best));
    expect(byVersion.body).toEqual(last.body);
  });

  it('refuses outsiders, non-senders, missing messages and bodies that cannot be edited', async () => {
    const [alice, bob, eve] = [unique('alice'), unique('bob'), unique('eve')];
    const a = await connect(alice);
    const b = await connect(bob);
    const e = await connect(eve);
    const conversationId = directConversationId(alice, bob);
    await ok(a.request('send', { clientMsgId: 'm1', to: bob, body: text('mine') }));
    const at = { conversationId, conversationSeq: 1 };
    await refused(e.request('edit', { ...at, body: text('hacked') }), 'FORBIDDEN', 'notMember');
    await refused(e.request('recall', at), 'FORBIDDEN', 'notMember');
    await refused(e.request('react', { ...at, emoji: '👍', on: true }), 'FORBIDDEN', 'notMember');
    await refused(b.request('edit', { ...at, body: text('not yours') }), 'FORBIDDEN', 'notSender');
    await refused(b.request('recall', at), 'FORBIDDEN', 'notSender');
    await refused(a.request('edit', { conversationId, conversationSeq: 2, body: text('x') }), 'NOT_FOUND');
    await refused(a.request('recall', { conversationId, conversationSeq: 99 }), 'NOT_FOUND');
    await refused(b.request('react', { conversationId, conversationSeq: 2, emoji: '👍', on: true }), 'NOT_FOUND');
    await refused(a.request('edit', { ...at, body: text('') }), 'BAD_REQUEST', 'invalidField');
    await refused(a.request('react', { ...at, emoji: 'ok', on: true }), 'BAD_REQUEST', 'invalidField');
    expect((await ok(b.request('history', { conversationId }))).items[0]).toMatchObject({ body: text('mine') });
    expect((await ok(b.request('history', { conversationId }))).items[0].version).toBeUndefined();
  });

  it('recalls a direct message: no stored item keeps its body, unread drops it, and a second recall changes nothing', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const a = await connect(alice);
    const conversationId = directConversationId(alice, bob);
    const secret = `secret-${unique('direct')}`;
    await ok(a.request('send', { clientMsgId: 'm1', to: bob, body: text('first') }));
    const sent = await ok(a.request('send', { clientMsgId: 'm2', to: bob, body: text(secret) }));
    await ok(a.request('edit', { conversationId, conversationSeq: sent.conversationSeq, body: text(`${secret} (edited)`) }));
    // Bob is offline the whole time.
    const recalled = await ok(a.request('recall', { conversationId, conversationSeq: sent.conversationSeq }));
    expect(recalled.message).toEqual({
      msgId: sent.msgId,
      conversationId,
      conversationSeq: 2,
      from: alice,
      ts: sent.ts,
      clientMsgId: 'm2',
      recalled: true,
      version: 3,
    });
    expect(await ok(a.request('recall', { conversationId, conversationSeq: sent.conversationSeq }))).toEqual(recalled);
    await refused(a.request('edit', { conversationId, conversationSeq: 2, body: text('back') }), 'FORBIDDEN', 'messageRecalled');
    await refused(a.request('react', { conversationId, conversationSeq: 2, emoji: '👍', on: true }), 'FORBIDDEN', 'messageRecalled');

    expect(await stored.containing(secret)).toEqual([]);
    const b = await connect(bob);
    const items = await syncAll(b);
    expect(JSON.stringify(items)).not.toContain(secret);
    const held = applyTimeline(items, conversationId);
    expect(held.get(2)).toEqual(recalled.message);
    expect(held.get(1)).toMatchObject({ body: text('first') });
    expect(JSON.stringify(await ok(b.request('history', { conversationId })))).not.toContain(secret);
    const list = await ok(b.request('conversations'));
    expect(list.items.find((item: any) => item.conversationId === conversationId)).toMatchObject({ unread: 1, lastMessage: { recalled: true } });
    expect(list.totalUnread).toBe(list.items.reduce((sum: number, item: any) => sum + item.unread, 0));
  });

  it('reacts idempotently, within limits, and never changes unread', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const a = await connect(alice);
    const b = await connect(bob);
    const conversationId = directConversationId(alice, bob);
    await ok(a.request('send', { clientMsgId: 'm1', to: bob, body: text('react to me') }));
    const at = { conversationId, conversationSeq: 1 };
    const first = await ok(b.request('react', { ...at, emoji: '👍', on: true }));
    expect(first.message.reactions).toEqual({ '👍': [bob] });
    expect(await ok(b.request('react', { ...at, emoji: '👍', on: true }))).toEqual(first);
    await ok(a.request('react', { ...at, emoji: '👍', on: true }));
    await ok(b.request('react', { ...at, emoji: '❤️', on: true }));
    await ok(b.request('react', { ...at, emoji: '😂', on: true }));
    await refused(b.request('react', { ...at, emoji: '🎉', on: true }), 'TOO_LARGE', 'tooManyReactions');
    const off = await ok(b.request('react', { ...at, emoji: '👍', on: false }));
    expect(off.message.reactions).toEqual({ '👍': [alice], '❤️': [bob], '😂': [bob] });
    expect(await ok(b.request('react', { ...at, emoji: '👍', on: false }))).toEqual(off);
    const list = await ok(b.request('conversations'));
    expect(list.items.find((item: any) => item.conversationId === conversationId)).toMatchObject({ unread: 1 });
    expect(applyTimeline(await syncAll(a), conversationId).get(1).reactions).toEqual(off.message.reactions);
  });

  it('delivers group changes through the fan-out: every member converges, a recall leaves no copy, the owner may recall anything', async () => {
    const members = [...Array(4).keys()].map((index) => unique(`g${index}`));
    const [owner, sender, ...rest] = members as [string, string, string, string];
    const o = await connect(owner);
    const s = await connect(sender);
    const conversationId = (await ok(o.request('createGroup', { title: 'lifecycle', members: members.slice(1) }))).conversationId;
    // Each member's list says who owns the group (and so may recall anything): clients offer it in the menu.
    const roleIn = async (client: TestClient) => (await ok(client.request('conversations'))).items.find((item: any) => item.conversationId === conversationId)?.role;
    expect([await roleIn(o), await roleIn(s)]).toEqual(['owner', 'member']);
    const secret = `secret-${unique('group')}`;
    await ok(s.request('send', { clientMsgId: 'g1', conversationId, body: text('keep me') }));
    const sent = await ok(s.request('send', { clientMsgId: 'g2', conversationId, body: text(secret) }));
    await ok(s.request('edit', { conversationId, conversationSeq: 1, body: text('kept, edited') }));
    await ok(o.request('react', { conversationId, conversationSeq: 1, emoji: '👍', on: true }));
    await refused(o.request('edit', { conversationId, conversationSeq: 2, body: text('owner edit') }), 'FORBIDDEN', 'notSender');
    await refused(connect(rest[0]!).then((c) => c.request('recall', { conversationId, conversationSeq: 2 })), 'FORBIDDEN', 'notSender');
    const recalled = await ok(o.request('recall', { conversationId, conversationSeq: sent.conversationSeq }));
    expect(recalled.message).toMatchObject({ recalled: true, from: sender });
    expect(recalled.message.body).toBeUndefined();
    await waitForQueuesIdle(cloud);

    expect(await stored.containing(secret)).toEqual([]);
    let reference: Map<number, any> | undefined;
    for (const userId of members) {
      const client = await connect(userId, 'check');
      const items = await syncAll(client);
      expect(JSON.stringify(items)).not.toContain(secret);
      const held = applyTimeline(items, conversationId);
      expect(held.get(1)).toMatchObject({ body: text('kept, edited'), reactions: { '👍': [owner] } });
      expect(held.get(2)).toMatchObject({ recalled: true });
      reference ??= held;
      expect([...held.entries()]).toEqual([...reference.entries()]);
      const list = await ok(client.request('conversations'));
      const group = list.items.find((item: any) => item.conversationId === conversationId);
      // Unread: the recalled message no longer counts; the edited one still does for those who did not send it.
      expect(group.unread).toBe(userId === sender ? 0 : 1);
    }
    // A removed member is refused like an outsider.
    await ok(o.request('removeMembers', { conversationId, members: [rest[1]] }));
    const removed = await connect(rest[1]!, 'after');
    await refused(removed.request('react', { conversationId, conversationSeq: 1, emoji: '👍', on: true }), 'FORBIDDEN', 'notMember');
  });

  it('tells a large group’s online members with groupUpdate, and syncConversation brings every change to one that was offline', async () => {
    const members = [...Array(LARGE_GROUP_THRESHOLD + 2).keys()].map((index) => unique(`l${index}`));
    const [owner, online] = members as [string, string];
    const o = await connect(owner);
    const conversationId = (await ok(o.request('createGroup', { title: 'large', members: members.slice(1) }))).conversationId;
    const listener = await connect(online);
    const secret = `secret-${unique('large')}`;
    const sends = [];
    for (const [index, label] of ['one', secret, 'three'].entries()) sends.push(await ok(o.request('send', { clientMsgId: `l${index}`, conversationId, body: text(label) })));
    expect(sends.map((reply) => reply.seq)).toEqual([null, null, null]);
    // The offline member held the conversation up to message 3 and change position 0.
    const before = await ok(o.request('syncConversation', { conversationId, after: 0, changesAfter: 0 }));
    expect(before).toMatchObject({ latest: 3, latestChange: 0, changes: [], changesUpTo: 0 });

    const edited = await ok(o.request('edit', { conversationId, conversationSeq: 1, body: text('one, edited') }));
    expect(edited.seq).toBeNull();
    await ok(listener.request('react', { conversationId, conversationSeq: 3, emoji: '🎉', on: true }));
    await ok(o.request('recall', { conversationId, conversationSeq: 2 }));
    await listener.waitForEvent('groupUpdate', (message) => message.conversationSeq === 2 && message.recalled === true);
    await listener.waitForEvent('groupUpdate', (message) => message.conversationSeq === 1 && message.body.text === 'one, edited');

    const caughtUp = await ok(o.request('syncConversation', { conversationId, after: 3, changesAfter: 0 }));
    expect(caughtUp).toMatchObject({ items: [], latest: 3, latestChange: 3, changesUpTo: 3 });
    expect(caughtUp.changes.map((message: any) => message.conversationSeq).sort()).toEqual([1, 2, 3]);
    const bySeq = new Map(caughtUp.changes.map((message: any) => [message.conversationSeq, message]));
    expect(bySeq.get(1)).toMatchObject({ body: text('one, edited'), version: 2 });
    expect(bySeq.get(2)).toMatchObject({ recalled: true, version: 2 });
    expect(bySeq.get(3)).toMatchObject({ reactions: { '🎉': [online] } });
    // Nothing after the cursor: an empty page.
    expect(await ok(o.request('syncConversation', { conversationId, after: 3, changesAfter: 3 }))).toMatchObject({ changes: [], changesUpTo: 3, latestChange: 3 });
    await waitForQueuesIdle(cloud);
    expect(await stored.containing(secret)).toEqual([]);
    // Unread in a large group leaves the recalled message out too.
    const list = await ok(listener.request('conversations'));
    expect(list.items.find((item: any) => item.conversationId === conversationId)).toMatchObject({ large: true, unread: 2 });
  });

  it('sends replies and mentions of members only, and keeps them through edits but not a recall', async () => {
    const [owner, member, outsider] = [unique('owner'), unique('member'), unique('outsider')];
    const o = await connect(owner);
    const m = await connect(member);
    const conversationId = (await ok(o.request('createGroup', { title: 'replies', members: [member] }))).conversationId;
    await ok(o.request('send', { clientMsgId: 'r1', conversationId, body: text('question?') }));
    const answer = await ok(m.request('send', { clientMsgId: 'r2', conversationId, body: text('@owner yes'), replyTo: 1, mentions: [owner, owner] }));
    await refused(m.request('send', { clientMsgId: 'r3', conversationId, body: text('to the future'), replyTo: 3 }), 'NOT_FOUND');
    await refused(m.request('send', { clientMsgId: 'r4', conversationId, body: text('@outsider'), mentions: [outsider] }), 'BAD_REQUEST', 'invalidField');
    await refused(o.request('send', { clientMsgId: 'r5', to: member, body: text('@outsider'), mentions: [outsider] }), 'BAD_REQUEST', 'invalidField');
    const direct = await ok(o.request('send', { clientMsgId: 'r6', to: member, body: text('@member hi'), mentions: [member] }));
    const [stored2] = (await ok(o.request('history', { conversationId, limit: 1 }))).items;
    expect(stored2).toMatchObject({ conversationSeq: answer.conversationSeq, replyTo: 1, mentions: [owner] });
    // Nothing was stored for the refused sends: the conversation still ends at 2.
    expect((await ok(o.request('syncConversation', { conversationId, after: 0 }))).latest).toBe(2);
    await o.waitFor(() => o.events.some((event) => event.data?.message?.msgId === answer.msgId));
    expect(o.events.find((event) => event.data?.message?.msgId === answer.msgId)!.data.message).toMatchObject({ replyTo: 1, mentions: [owner] });
    const edited = await ok(m.request('edit', { conversationId, conversationSeq: 2, body: text('@owner yes!') }));
    expect(edited.message).toMatchObject({ replyTo: 1, mentions: [owner] });
    const recalled = await ok(m.request('recall', { conversationId, conversationSeq: 2 }));
    expect(recalled.message.replyTo).toBe(1);
    expect(recalled.message.mentions).toBeUndefined();
    expect(direct.conversationSeq).toBe(1);
  });

  it('applies a change exactly once when the function dies between its writes and the client retries', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const a = await connect(alice);
    const b = await connect(bob);
    const conversationId = directConversationId(alice, bob);
    await ok(a.request('send', { clientMsgId: 'f1', to: bob, body: text('v1') }));
    const steps = ['change:logged', 'change:stored', 'change:timelines-written'];
    for (const [index, step] of steps.entries()) {
      cloud.lambda.faults.inject({ functionName: 'MessageChangeHandler', step, action: 'crash', times: 1 });
      const body = text(`after ${step}`);
      expect(await requestOnce(a, 'edit', { conversationId, conversationSeq: 1, body })).toBe('crashed');
      // The client retries until acknowledged; the retry applies the edit once.
      let reply: any;
      await expect.poll(async () => (reply = await a.request('edit', { conversationId, conversationSeq: 1, body })).ok, { timeout: 60_000, interval: 200 }).toBe(true);
      expect(reply.data.message.body).toEqual(body);
      expect(reply.data.message.version).toBe(index + 2);
    }
    await ok(b.request('react', { conversationId, conversationSeq: 1, emoji: '👍', on: true }));
    expect(cloud.lambda.faults.fired.map((fault) => fault.step)).toEqual(expect.arrayContaining(steps));
    cloud.lambda.faults.clear();
    for (const [index, client] of [a, b].entries()) {
      const items = await syncAll(client);
      // One update item per version, whatever attempt wrote it (each shows the current state).
      expect(items.filter((item) => item.type === 'update')).toHaveLength(4);
      const keys = (await stored.timeline([alice, bob][index]!)).filter((item) => item.type === 'update').map((item) => String(item.itemKey).split(':').at(-1));
      expect(keys.sort()).toEqual(['2', '3', '4', '5']);
      expect(applyTimeline(items, conversationId).get(1)).toMatchObject({ body: text('after change:timelines-written'), version: 5, reactions: { '👍': [bob] } });
    }
    const changes = await ok(b.request('syncConversation', { conversationId, after: 1, changesAfter: 0 }));
    expect(changes.changes).toEqual([expect.objectContaining({ conversationSeq: 1, version: 5 })]);
  });

  it('answers and pushes only shapes the protocol package defines', () => {
    expect(changeReplies.length).toBeGreaterThan(20);
    for (const data of changeReplies) expect(actions.edit.result.safeParse(data).success, JSON.stringify(data)).toBe(true);
    const pushed = clients.flatMap((client) => client.events);
    expect(new Set(pushed.map((frame) => frame.event))).toEqual(new Set(['message', 'groupMessage', 'groupUpdate', 'delivered']));
    for (const frame of pushed) {
      const schema = (events as Record<string, { safeParse(value: unknown): { success: boolean } }>)[frame.event]!;
      expect(schema.safeParse(frame.data).success, JSON.stringify(frame)).toBe(true);
    }
  });
});

describe('message lifecycle: edit and recall windows', () => {
  let cloud: LocalCloud;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    cloud = await startTestCloud({ functionEnvironment: { EDIT_WINDOW_HOURS: '0', RECALL_WINDOW_HOURS: '0', ...NO_RATE_LIMITS } });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  it('refuses a sender outside the windows with a reason, and lets a group owner recall at any time', async () => {
    const [owner, member] = [unique('owner'), unique('member')];
    const o = await connectAs(cloud, owner);
    const m = await connectAs(cloud, member);
    clients.push(o, m);
    const conversationId = (await ok(o.request('createGroup', { title: 'windows', members: [member] }))).conversationId;
    await ok(m.request('send', { clientMsgId: 'w1', conversationId, body: text('late') }));
    await ok(o.request('send', { clientMsgId: 'w2', conversationId, body: text('owner’s own') }));
    await refused(m.request('edit', { conversationId, conversationSeq: 1, body: text('too late') }), 'FORBIDDEN', 'editWindowClosed');
    await refused(m.request('recall', { conversationId, conversationSeq: 1 }), 'FORBIDDEN', 'recallWindowClosed');
    // Reactions have no window.
    await ok(m.request('react', { conversationId, conversationSeq: 1, emoji: '👍', on: true }));
    expect((await ok(o.request('recall', { conversationId, conversationSeq: 1 }))).message).toMatchObject({ recalled: true });
    expect((await ok(o.request('recall', { conversationId, conversationSeq: 2 }))).message).toMatchObject({ recalled: true });
    const dm = directConversationId(owner, member);
    await ok(o.request('send', { clientMsgId: 'd1', to: member, body: text('direct') }));
    await refused(o.request('recall', { conversationId: dm, conversationSeq: 1 }), 'FORBIDDEN', 'recallWindowClosed');
  });
});
