import { directConversationId, MAX_BLOCKED_USERS } from '@serverless-im/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { NO_RATE_LIMITS } from '../reliability/harness.js';
import { RUN_ID } from '../support/protocol-target.js';
import { ok, refused, text } from '../support/replies.js';
import { StoredItems } from '../support/stored-items.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { isContiguousFrom, messagesOf, syncAll } from '../support/timeline-reader.js';
import type { TestClient } from '../support/ws-client.js';

let counter = 0;
const unique = (name: string) => `${name}-${RUN_ID}-${++counter}`;

/** The events of `name` a client got about `conversationId`, once a frame after any push of a finished request arrived. */
async function eventsAfterSettling(client: TestClient, name: string, conversationId: string): Promise<number> {
  // Pushes of a request are made before its reply; the reply to this ping comes after them on the same socket.
  await ok(client.request('ping'));
  return client.events.filter((event) => event.event === name && event.data.conversationId === conversationId).length;
}

describe('block and unblock', () => {
  let cloud: LocalCloud;
  let stored: StoredItems;
  const clients: TestClient[] = [];
  const connect = async (userId: string) => {
    const client = await connectAs(cloud, userId);
    clients.push(client);
    return client;
  };
  const blockedList = async (client: TestClient): Promise<string[]> => (await ok(client.request('conversations'))).blocked;
  const timelineLatest = async (userId: string): Promise<number> => Number((await stored.timeline(userId)).find((item) => item.seq === 0)?.latest ?? 0);

  beforeAll(async () => {
    cloud = await startTestCloud({ functionEnvironment: { ...NO_RATE_LIMITS } });
    stored = new StoredItems(cloud);
  });
  afterAll(async () => {
    stored?.close();
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  it('refuses direct sends both ways with FORBIDDEN blocked, storing nothing and spending no seq, and unblock restores them', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const a = await connect(alice);
    const b = await connect(bob);
    const conversationId = directConversationId(alice, bob);
    await ok(b.request('send', { clientMsgId: 'before', to: alice, body: text('before the block') }));
    expect(await blockedList(a)).toEqual([]);

    await ok(a.request('block', { userId: bob }));
    expect(await blockedList(a)).toEqual([bob]);
    // Bob's list is his own: he blocks nobody.
    expect(await blockedList(b)).toEqual([]);

    const [aliceSeq, bobSeq] = [await timelineLatest(alice), await timelineLatest(bob)];
    await refused(b.request('send', { clientMsgId: 'during', to: alice, body: text('let me in') }), 'FORBIDDEN', 'blocked');
    await refused(b.request('send', { clientMsgId: 'during-2', conversationId, body: text('by conversation id') }), 'FORBIDDEN', 'blocked');
    // The blocker cannot write to the person they block either, until they unblock (as WhatsApp).
    await refused(a.request('send', { clientMsgId: 'mine', to: bob, body: text('you are blocked') }), 'FORBIDDEN', 'blocked');
    expect(await stored.containing('let me in')).toEqual([]);
    expect(await stored.containing('by conversation id')).toEqual([]);
    expect(await stored.containing('you are blocked')).toEqual([]);
    expect([await timelineLatest(alice), await timelineLatest(bob)]).toEqual([aliceSeq, bobSeq]);
    expect((await ok(a.request('history', { conversationId }))).items.map((m: any) => m.body.text)).toEqual(['before the block']);

    await ok(a.request('unblock', { userId: bob }));
    expect(await blockedList(a)).toEqual([]);
    // The refused clientMsgId is free again: its claim went with the refusal.
    const after = await ok(b.request('send', { clientMsgId: 'during', to: alice, body: text('after the unblock') }));
    expect(after.conversationSeq).toBe(2);
    await a.waitForEvent('message', (item) => item.message?.msgId === after.msgId);
    const timeline = await syncAll(a);
    expect(isContiguousFrom(timeline.map((item) => item.seq), 1)).toBe(true);
    expect(timeline.every((item) => item.type !== 'void')).toBe(true);
    expect(messagesOf(timeline).map((m) => m.body.text)).toEqual(['before the block', 'after the unblock']);
    // No marker left behind: the newest message is the last one, as every reader sees it.
    expect((await ok(a.request('syncConversation', { conversationId, after: 0 }))).latest).toBe(2);
  });

  it('blocks someone with no conversation yet, and refuses blocking oneself or a malformed id', async () => {
    const [alice, stranger] = [unique('alice'), unique('stranger')];
    const a = await connect(alice);
    const s = await connect(stranger);
    await ok(a.request('block', { userId: stranger }));
    await refused(s.request('send', { clientMsgId: 'hi', to: alice, body: text('hello there') }), 'FORBIDDEN', 'blocked');
    expect(await stored.containing('hello there')).toEqual([]);
    await refused(a.request('block', { userId: alice }), 'BAD_REQUEST', 'invalidField');
    await refused(a.request('unblock', { userId: alice }), 'BAD_REQUEST', 'invalidField');
    for (const userId of ['', 'not a user!', 'x'.repeat(65), 42, null]) await refused(a.request('block', { userId }), 'BAD_REQUEST', 'invalidField');
    await refused(a.request('block', {}), 'BAD_REQUEST', 'invalidField');
    expect(await blockedList(a)).toEqual([stranger]);
    // Unblocking someone who is not blocked changes nothing.
    await ok(s.request('unblock', { userId: alice }));
    await refused(s.request('send', { clientMsgId: 'hi', to: alice, body: text('hello there') }), 'FORBIDDEN', 'blocked');
  });

  it('stops typing, read and delivered receipts and presence both ways, not group messages', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const a = await connect(alice);
    const b = await connect(bob);
    const conversationId = directConversationId(alice, bob);
    const fromBob = await ok(b.request('send', { clientMsgId: 'b1', to: alice, body: text('from bob') }));
    const fromAlice = await ok(a.request('send', { clientMsgId: 'a1', to: bob, body: text('from alice') }));
    const { conversationId: group } = await ok(a.request('createGroup', { title: 'both of us', members: [bob] }));
    expect((await ok(a.request('presence', { users: [bob] }))).users[bob]).toMatchObject({ online: true });

    await ok(b.request('block', { userId: alice }));
    const [readsBy, deliveredBy] = [(c: TestClient) => eventsAfterSettling(c, 'read', conversationId), (c: TestClient) => eventsAfterSettling(c, 'delivered', conversationId)];
    const before = { aRead: await readsBy(a), bRead: await readsBy(b), aDelivered: await deliveredBy(a), bDelivered: await deliveredBy(b) };

    // Typing both ways: accepted, relayed to nobody.
    await ok(a.request('typing', { conversationId }));
    await ok(b.request('typing', { conversationId }));
    expect(await eventsAfterSettling(b, 'typing', conversationId)).toBe(0);
    expect(await eventsAfterSettling(a, 'typing', conversationId)).toBe(0);
    // Receipts both ways: positions move for their owner, the peer is not told.
    await ok(a.request('delivered', { conversationId, upTo: fromBob.conversationSeq }));
    await ok(b.request('delivered', { conversationId, upTo: fromAlice.conversationSeq }));
    await syncAll(a);
    await syncAll(b);
    expect(await ok(a.request('read', { conversationId, upTo: 2 }))).toMatchObject({ unread: 0 });
    expect(await ok(b.request('read', { conversationId, upTo: 2 }))).toMatchObject({ unread: 0 });
    expect({ aRead: await readsBy(a), bRead: await readsBy(b), aDelivered: await deliveredBy(a), bDelivered: await deliveredBy(b) }).toEqual(before);
    const receipts = await ok(a.request('readReceipts', { conversationId, conversationSeq: fromAlice.conversationSeq }));
    expect(receipts).toMatchObject({ readCount: 0, deliveredCount: 0 });
    // Presence both ways, though they share a group.
    expect((await ok(a.request('presence', { users: [bob] }))).users[bob]).toEqual({ online: false, lastSeen: null });
    expect((await ok(b.request('presence', { users: [alice] }))).users[alice]).toEqual({ online: false, lastSeen: null });

    // Shared groups are not affected (as WhatsApp): the group message reaches the blocker.
    const inGroup = await ok(a.request('send', { clientMsgId: 'g1', conversationId: group, body: text('group still works') }));
    await b.waitForEvent('message', (item) => item.message?.msgId === inGroup.msgId);

    await ok(b.request('unblock', { userId: alice }));
    await ok(a.request('typing', { conversationId }));
    await b.waitForEvent('typing', (data) => data.conversationId === conversationId && data.userId === alice);
    expect((await ok(a.request('readReceipts', { conversationId, conversationSeq: fromAlice.conversationSeq }))).readCount).toBe(1);
    expect((await ok(a.request('presence', { users: [bob] }))).users[bob]).toMatchObject({ online: true });
  });

  it('converges concurrent duplicate blocks on one block, and concurrent block and unblock on the last state both see', async () => {
    const [alice, bob, carol] = [unique('alice'), unique('bob'), unique('carol')];
    const a = await connect(alice);
    const b = await connect(bob);
    const c = await connect(carol);
    await ok(a.request('send', { clientMsgId: 'hi', to: bob, body: text('hi') }));
    const replies = await Promise.all([a.request('block', { userId: bob }), a.request('block', { userId: bob }), a.request('block', { userId: bob })]);
    for (const reply of replies) expect(reply.ok, JSON.stringify(reply)).toBe(true);
    expect(await blockedList(a)).toEqual([bob]);
    await ok(a.request('unblock', { userId: bob }));
    expect(await blockedList(a)).toEqual([]);
    await ok(b.request('send', { clientMsgId: 'free', to: alice, body: text('free again') }));

    // Both members block each other at once, then both unblock at once: the pair ends unblocked,
    // and while only one unblocked, sends stay refused.
    await Promise.all([ok(a.request('block', { userId: bob })), ok(b.request('block', { userId: alice }))]);
    await ok(a.request('unblock', { userId: bob }));
    await refused(a.request('send', { clientMsgId: 'still', to: bob, body: text('still blocked') }), 'FORBIDDEN', 'blocked');
    await Promise.all([ok(b.request('unblock', { userId: alice })), ok(a.request('unblock', { userId: bob }))]);
    expect([await blockedList(a), await blockedList(b)]).toEqual([[], []]);
    await ok(a.request('send', { clientMsgId: 'both-free', to: bob, body: text('both free') }));

    // Racing block and unblock of one user: whichever lands last wins, and send agrees with the list.
    for (let round = 0; round < 3; round++) {
      await Promise.all([c.request('block', { userId: alice }), c.request('unblock', { userId: alice })]);
      const blocked = (await blockedList(c)).includes(alice);
      const sent = await a.request('send', { clientMsgId: `race-${round}`, to: carol, body: text(`race ${round}`) });
      expect(sent.ok, JSON.stringify(sent)).toBe(!blocked);
      if (blocked) expect(sent.error).toMatchObject({ code: 'FORBIDDEN', reason: 'blocked' });
      await ok(c.request('unblock', { userId: alice }));
    }
  });

  it('answers a retry of a send accepted before the block with its original reply', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const a = await connect(alice);
    const b = await connect(bob);
    const first = await ok(b.request('send', { clientMsgId: 'once', to: alice, body: text('sent before') }));
    await ok(a.request('block', { userId: bob }));
    const retried = await ok(b.request('send', { clientMsgId: 'once', to: alice, body: text('sent before') }));
    expect(retried).toEqual(first);
    // A new message is refused, and the history holds the one message once.
    await refused(b.request('send', { clientMsgId: 'twice', to: alice, body: text('sent after') }), 'FORBIDDEN', 'blocked');
    expect((await ok(a.request('history', { conversationId: first.conversationId }))).items).toHaveLength(1);
  });

  it(`keeps at most ${MAX_BLOCKED_USERS} blocked users: the next block is TOO_LARGE, a repeated one still succeeds`, async () => {
    const alice = unique('alice');
    const a = await connect(alice);
    const others = Array.from({ length: MAX_BLOCKED_USERS }, (_, index) => `${alice}-x${index}`);
    for (let from = 0; from < others.length; from += 20) {
      const replies = await Promise.all(others.slice(from, from + 20).map((userId) => a.request('block', { userId })));
      for (const reply of replies) expect(reply.ok, JSON.stringify(reply)).toBe(true);
    }
    await refused(a.request('block', { userId: `${alice}-one-more` }), 'TOO_LARGE', 'tooManyBlocked');
    await ok(a.request('block', { userId: others[0] }));
    expect((await blockedList(a)).sort()).toEqual([...others].sort());
    await ok(a.request('unblock', { userId: others[0] }));
    await ok(a.request('block', { userId: `${alice}-one-more` }));
  });
});
