import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConversationStore } from '../src/conversations.js';
import type { Message } from '../src/protocol.js';
import { FakeServer } from './fake-server.js';
import { done, makeClient, settle, text, until } from './helpers.js';

describe('conversation list, unread, read receipts, typing, presence', () => {
  let server: FakeServer;
  beforeEach(() => {
    vi.useFakeTimers();
    server = new FakeServer();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** What the server says, to compare with the client's bookkeeping. */
  async function serverView(user: string) {
    const { client } = makeClient(server, user, { autoLoadConversations: false, deviceId: 'probe' });
    await client.start();
    const list = await done(client.loadConversations());
    await client.stop();
    return Object.fromEntries(list.map((item) => [item.conversationId, { unread: item.unread, readUpTo: item.readUpTo }]));
  }
  const localView = (list: { conversationId: string; unread: number; readUpTo: number }[]) =>
    Object.fromEntries(list.map((item) => [item.conversationId, { unread: item.unread, readUpTo: item.readUpTo }]));

  it('loads the list on connect and keeps unread, lastMessage and totalUnread current from incoming messages', async () => {
    server.sendAs('alice', { to: 'bob' }, 'a1');
    server.sendAs('alice', { to: 'bob' }, 'a2');
    server.sendAs('carol', { to: 'bob' }, 'c1');
    const { client, events } = makeClient(server, 'bob');
    await client.start();
    await until(() => client.conversations.length === 2 && client.lastSeq === 3);
    // The snapshot and the synced messages overlap: nothing is counted twice.
    expect(client.conversation('dm:alice:bob')).toMatchObject({ kind: 'direct', peer: 'alice', unread: 2, readUpTo: 0 });
    expect(client.conversation('dm:bob:carol')).toMatchObject({ peer: 'carol', unread: 1 });
    expect(client.totalUnread).toBe(3);

    server.sendAs('alice', { to: 'bob' }, 'a3');
    await vi.advanceTimersByTimeAsync(1);
    server.sendAs('dave', { to: 'bob' }, 'd1');
    await until(() => client.lastSeq === 5);
    await settle();
    expect(client.conversation('dm:alice:bob')).toMatchObject({ unread: 3, lastMessage: expect.objectContaining({ body: text('a3') }) });
    expect(client.conversation('dm:bob:dave')).toMatchObject({ peer: 'dave', unread: 1 });
    expect(client.totalUnread).toBe(5);
    expect(client.conversations[0]?.conversationId).toBe('dm:bob:dave');
    expect(events.conversationsChanged?.at(-1)?.reduce((sum, item) => sum + item.unread, 0)).toBe(5);
    expect(localView(client.conversations)).toEqual(await serverView('bob'));
    await client.stop();
  });

  it('marks read with the read action, and own messages mark the conversation read', async () => {
    for (let n = 1; n <= 4; n++) server.sendAs('alice', { to: 'bob' }, `a${n}`);
    const { client } = makeClient(server, 'bob');
    await client.start();
    await until(() => client.conversation('dm:alice:bob')?.unread === 4);
    const result = await done(client.markRead('dm:alice:bob', 2));
    expect(result).toEqual({ unread: 2, totalUnread: 2 });
    expect(server.requests.find((entry) => entry.frame.action === 'read')?.frame).toMatchObject({ conversationId: 'dm:alice:bob', upTo: 2 });
    expect(client.conversation('dm:alice:bob')).toMatchObject({ unread: 2, readUpTo: 2 });
    await done(client.send({ to: 'alice', body: text('reply') }));
    await until(() => client.lastSeq === 5);
    expect(client.conversation('dm:alice:bob')).toMatchObject({ unread: 0, readUpTo: 5 });
    expect(client.totalUnread).toBe(0);
    expect(localView(client.conversations)).toEqual(await serverView('bob'));
    await client.stop();
  });

  it('follows read events: this user on another device moves readUpTo; a peer fills the receipts', async () => {
    for (let n = 1; n <= 3; n++) server.sendAs('alice', { to: 'bob' }, `a${n}`);
    const phone = makeClient(server, 'bob', { deviceId: 'phone' });
    const tablet = makeClient(server, 'bob', { deviceId: 'tablet' });
    const alice = makeClient(server, 'alice');
    await Promise.all([phone.client.start(), tablet.client.start(), alice.client.start()]);
    await until(() => phone.client.conversation('dm:alice:bob')?.unread === 3 && tablet.client.conversation('dm:alice:bob')?.unread === 3);

    await done(tablet.client.markRead('dm:alice:bob'));
    await until(() => phone.client.conversation('dm:alice:bob')?.readUpTo === 3);
    expect(phone.client.conversation('dm:alice:bob')).toMatchObject({ unread: 0, readUpTo: 3 });
    expect(phone.events.read?.at(-1)).toEqual({ conversationId: 'dm:alice:bob', userId: 'bob', upTo: 3 });
    // Alice sees Bob's read receipt.
    await until(() => alice.client.conversation('dm:alice:bob')?.readBy.bob === 3);

    // A read below what the snapshot covered cannot be kept exact locally: the list is reloaded.
    server.sendAs('alice', { to: 'bob' }, 'a4');
    server.sendAs('alice', { to: 'bob' }, 'a5');
    await until(() => phone.client.conversation('dm:alice:bob')?.unread === 2);
    await done(phone.client.loadConversations());
    const lists = () => server.requests.filter((entry) => entry.user === 'bob' && entry.frame.action === 'conversations').length;
    const listsBefore = lists();
    await done(tablet.client.markRead('dm:alice:bob', 4));
    await until(() => phone.client.conversation('dm:alice:bob')?.readUpTo === 4);
    expect(phone.client.conversation('dm:alice:bob')?.unread).toBe(1);
    // The read fell inside what phone's last snapshot counted: phone reloads the list to confirm.
    await until(() => lists() === listsBefore + 1);
    expect(localView(phone.client.conversations)).toEqual(await serverView('bob'));
    await Promise.all([phone.client.stop(), tablet.client.stop(), alice.client.stop()]);
  });

  it('shows who is typing for ~5 s (renewed by each event, ended by their message) and throttles own typing signals', async () => {
    const bob = makeClient(server, 'bob', { typingTtlMs: 5_000, typingThrottleMs: 3_000 });
    const alice = makeClient(server, 'alice', { typingTtlMs: 5_000, typingThrottleMs: 3_000 });
    await Promise.all([bob.client.start(), alice.client.start()]);
    await done(alice.client.send({ to: 'bob', body: text('hi') }));
    const conversationId = 'dm:alice:bob';

    await done(alice.client.typing(conversationId));
    await done(alice.client.typing(conversationId)); // throttled
    await until(() => bob.client.typingUsers(conversationId).length === 1);
    expect(server.requests.filter((entry) => entry.frame.action === 'typing')).toHaveLength(1);
    expect(bob.events.typing?.at(-1)).toEqual({ conversationId, userIds: ['alice'] });
    await vi.advanceTimersByTimeAsync(3_000);
    await done(alice.client.typing(conversationId)); // renews the indicator
    expect(server.requests.filter((entry) => entry.frame.action === 'typing')).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(bob.client.typingUsers(conversationId)).toEqual(['alice']);
    await vi.advanceTimersByTimeAsync(1_100);
    expect(bob.client.typingUsers(conversationId)).toEqual([]);
    expect(bob.events.typing?.at(-1)).toEqual({ conversationId, userIds: [] });

    await vi.advanceTimersByTimeAsync(3_000);
    await done(alice.client.typing(conversationId));
    await until(() => bob.client.typingUsers(conversationId).length === 1);
    await done(alice.client.send({ to: 'bob', body: text('done typing') }));
    await until(() => bob.client.typingUsers(conversationId).length === 0);
    await Promise.all([bob.client.stop(), alice.client.stop()]);
  });

  it('asks for presence and follows presence events', async () => {
    const bob = makeClient(server, 'bob', { autoLoadConversations: false });
    const alice = makeClient(server, 'alice', { autoLoadConversations: false });
    await Promise.all([bob.client.start(), alice.client.start()]);
    await until(() => bob.client.connected && alice.client.connected);
    // Presence is private: before they share a conversation, bob looks like nobody.
    expect(await done(alice.client.presence(['bob']))).toEqual({ bob: { online: false, lastSeen: null } });
    await done(alice.client.send({ to: 'bob', body: text('hi') }));
    expect(await done(alice.client.presence(['bob', 'nobody']))).toEqual({
      bob: { online: true, lastSeen: expect.any(Number) },
      nobody: { online: false, lastSeen: null },
    });
    expect(alice.client.presenceOf('bob')).toMatchObject({ online: true });
    server.pushEvent('alice', 'presence', { userId: 'bob', online: false });
    await until(() => alice.client.presenceOf('bob')?.online === false);
    expect(alice.events.presence).toEqual([{ userId: 'bob', online: false }]);
    await Promise.all([bob.client.stop(), alice.client.stop()]);
  });

  it('blocks and unblocks: the blocked list loads with the conversations, follows block/unblock, and a send to a blocked user fails permanently', async () => {
    server.sendAs('bob', { to: 'alice' }, 'b1');
    const alice = makeClient(server, 'alice');
    const bob = makeClient(server, 'bob');
    await Promise.all([alice.client.start(), bob.client.start()]);
    await until(() => alice.client.conversations.length === 1);
    expect(alice.client.blocked).toEqual([]);

    await done(alice.client.block('bob'));
    expect(alice.client.blocked).toEqual(['bob']);
    expect(alice.client.isBlocked('bob')).toBe(true);
    expect(alice.events.blockedChanged).toEqual([['bob']]);
    // Blocking twice is one block, and emits nothing new.
    await done(alice.client.block('bob'));
    expect(alice.events.blockedChanged).toHaveLength(1);

    // A send either way fails with FORBIDDEN blocked and is not retried.
    await expect(done(bob.client.send({ to: 'alice', body: text('let me in') }))).rejects.toMatchObject({ code: 'FORBIDDEN', reason: 'blocked' });
    await expect(done(alice.client.send({ to: 'bob', body: text('you are blocked') }))).rejects.toMatchObject({ code: 'FORBIDDEN', reason: 'blocked' });
    expect(server.requests.filter((entry) => entry.frame.action === 'send' && entry.user === 'bob')).toHaveLength(1);

    // Another device of alice learns the list with the conversations.
    const laptop = makeClient(server, 'alice', { deviceId: 'laptop' });
    await laptop.client.start();
    await until(() => laptop.client.blocked.length === 1);
    expect(laptop.client.isBlocked('bob')).toBe(true);

    await done(alice.client.unblock('bob'));
    expect(alice.client.blocked).toEqual([]);
    expect(alice.events.blockedChanged?.at(-1)).toEqual([]);
    await done(bob.client.send({ to: 'alice', body: text('hello again') }));
    await expect(done(alice.client.block('alice'))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await Promise.all([alice.client.stop(), bob.client.stop(), laptop.client.stop()]);
  });

  it('wraps the group actions as plain requests', async () => {
    const { client, events } = makeClient(server, 'alice');
    await client.start();
    const { conversationId } = await done(client.createGroup('team', ['bob', 'carol']));
    expect(conversationId).toMatch(/^g:/);
    expect(await done(client.addMembers(conversationId, ['dave']))).toEqual({ members: ['alice', 'bob', 'carol', 'dave'], memberCount: 4 });
    expect(await done(client.removeMembers(conversationId, ['carol']))).toEqual({ members: ['alice', 'bob', 'dave'], memberCount: 3 });
    // The membership item in the timeline makes the client reload the list.
    await until(() => client.conversation(conversationId)?.title === 'team');
    expect(events.timelineItem?.map((item) => item.type)).toEqual(['system']);
    expect(await done(client.leaveGroup(conversationId))).toEqual({});
    await client.stop();
  });
});

describe('ConversationStore bookkeeping', () => {
  const message = (conversationId: string, conversationSeq: number, from: string): Message => ({
    msgId: `${conversationId}#${conversationSeq}`,
    conversationId,
    conversationSeq,
    from,
    body: { kind: 'text', text: `${from}${conversationSeq}` },
    ts: conversationSeq,
    clientMsgId: `c${conversationSeq}`,
  });

  it('never counts a message twice whether it arrives before or after the snapshot that covers it', async () => {
    const store = new ConversationStore('bob', () => undefined);
    const id = 'dm:alice:bob';
    store.applyMessage(message(id, 1, 'alice'));
    const generation = store.beginSnapshot();
    store.applyMessage(message(id, 3, 'alice')); // newer than the snapshot below
    store.applySnapshot(generation, [{ conversationId: id, kind: 'direct', peer: 'alice', unread: 2, readUpTo: 0, lastMessage: message(id, 2, 'alice') }]);
    store.applyMessage(message(id, 2, 'alice')); // late, but covered by the snapshot
    expect(store.get(id)).toMatchObject({ unread: 3, lastMessage: expect.objectContaining({ conversationSeq: 3 }) });
    store.applyMessage(message(id, 4, 'bob')); // own message: read up to 4
    expect(store.get(id)).toMatchObject({ unread: 0, readUpTo: 4 });
    expect(store.totalUnread).toBe(0);
  });

  it('keeps conversations first seen after a snapshot started, drops the ones the server no longer lists', () => {
    const store = new ConversationStore('bob', () => undefined);
    store.applyMessage(message('dm:bob:old', 1, 'old'));
    const generation = store.beginSnapshot();
    store.applyMessage(message('dm:bob:new', 1, 'new'));
    store.applySnapshot(generation, []);
    expect(store.list().map((item) => item.conversationId)).toEqual(['dm:bob:new']);
  });
});
