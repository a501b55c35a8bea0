import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryStorage } from '../src/storage.js';
import { FakeServer } from './fake-server.js';
import { done, makeClient, settle, text, until } from './helpers.js';

const DM = 'dm:alice:bob';

describe('message changes: edit, recall, react, deleteForMe through the change queue', () => {
  let server: FakeServer;
  beforeEach(() => {
    vi.useFakeTimers();
    server = new FakeServer();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const framesOf = (action: string, user?: string) => server.requests.filter((request) => request.frame.action === action && (!user || request.user === user)).map((request) => request.frame);

  it('applies an edit, a reaction and a recall in place on every device, once each, by version', async () => {
    const alice = makeClient(server, 'alice', { autoLoadConversations: false });
    const laptop = makeClient(server, 'alice', { deviceId: 'laptop', autoLoadConversations: false });
    const bob = makeClient(server, 'bob', { autoLoadConversations: false });
    for (const { client } of [alice, laptop, bob]) await client.start();
    await done(Promise.all([alice, laptop, bob].map(({ client }) => client.whenConnected())));
    const sent = await done(alice.client.send({ to: 'bob', body: text('helo') }));
    await until(() => (bob.events.message?.length ?? 0) === 1 && (laptop.events.message?.length ?? 0) === 1);

    const edited = await done(alice.client.edit(DM, sent.conversationSeq, text('hello')));
    expect(edited.message).toMatchObject({ body: text('hello'), version: 2 });
    await done(bob.client.react(DM, sent.conversationSeq, '👍'));
    await until(() => (alice.events.messageUpdated?.length ?? 0) === 2 && (laptop.events.messageUpdated?.length ?? 0) === 2 && (bob.events.messageUpdated?.length ?? 0) === 2);
    for (const { client } of [alice, laptop, bob]) {
      const [cached] = await done(client.cachedMessages(DM));
      expect(cached).toMatchObject({ body: text('hello'), reactions: { '👍': ['bob'] }, version: 3 });
    }
    await done(alice.client.recall(DM, sent.conversationSeq));
    await until(() => (bob.events.messageUpdated?.length ?? 0) === 3);
    expect(bob.events.messageUpdated!.map(({ message }) => message.version)).toEqual([2, 3, 4]);
    expect(bob.events.messageUpdated!.at(-1)!.message).toMatchObject({ recalled: true });
    expect((await done(bob.client.cachedMessages(DM)))[0]!.body).toBeUndefined();
    // The list's last message shows the current state too.
    expect(bob.client.conversation(DM)?.lastMessage).toMatchObject({ recalled: true });
    // A device that starts from scratch ends in the same state, and an old state arriving late changes nothing.
    const fresh = makeClient(server, 'bob', { deviceId: 'fresh', autoLoadConversations: false });
    await fresh.client.start();
    await until(() => fresh.client.lastSeq === server.timeline('bob').length);
    expect((await done(fresh.client.cachedMessages(DM)))[0]).toMatchObject({ recalled: true, version: 4 });
    server.pushEvent('bob', 'groupUpdate', { ...edited.message });
    await settle();
    expect(bob.events.messageUpdated).toHaveLength(3);
    for (const { client } of [alice, laptop, bob, fresh]) await client.stop();
  });

  it('queues changes while disconnected, keeps them across a restart, and retries until acknowledged', async () => {
    const storage = new MemoryStorage();
    const first = makeClient(server, 'alice', { storage, autoLoadConversations: false });
    await first.client.start();
    const sent = await done(first.client.send({ to: 'bob', body: text('v1') }));
    server.holdHandshakes();
    server.drop('alice');
    const pending = first.client.edit(DM, sent.conversationSeq, text('v2'));
    pending.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(500);
    expect(first.client.pendingChanges).toMatchObject([{ request: { action: 'edit', body: text('v2') }, status: 'queued' }]);
    await first.client.stop();
    await expect(pending).rejects.toMatchObject({ code: 'DISCONNECTED' });

    // A new instance (a reload) finds the change and sends it once connected; a lost reply is retried.
    server.releaseHandshakes();
    server.swallowNext('edit', 1, true);
    const second = makeClient(server, 'alice', { storage, autoLoadConversations: false, sendRetry: { timeoutMs: 1_000 } });
    await second.client.start();
    await until(() => second.client.pendingChanges.length === 0);
    expect(framesOf('edit')).toHaveLength(2);
    // Applied once: version 2, one update item per member.
    expect(server.messages(DM)[0]).toMatchObject({ body: text('v2'), version: 2 });
    expect(server.timeline('bob').filter((item) => item.type === 'update')).toHaveLength(1);
    await second.client.stop();
  });

  it('fails a refused change with its reason and leaves the queue', async () => {
    const alice = makeClient(server, 'alice', { autoLoadConversations: false });
    const bob = makeClient(server, 'bob', { autoLoadConversations: false });
    await alice.client.start();
    await bob.client.start();
    const sent = await done(alice.client.send({ to: 'bob', body: text('mine') }));
    await done(bob.client.whenConnected());
    const refused = bob.client.edit(DM, sent.conversationSeq, text('not yours'));
    await expect(done(refused)).rejects.toMatchObject({ code: 'FORBIDDEN', reason: 'notSender' });
    expect(bob.events.changeFailed).toMatchObject([{ entry: { request: { action: 'edit' } }, error: { code: 'FORBIDDEN' } }]);
    expect(bob.client.pendingChanges).toEqual([]);
    // A change queued behind it still goes.
    await done(bob.client.react(DM, sent.conversationSeq, '❤️'));
    expect(server.messages(DM)[0]!.reactions).toEqual({ '❤️': ['bob'] });
    await alice.client.stop();
    await bob.client.stop();
  });

  it('hides deleted-for-me messages on every device of the user, and a later change does not bring them back', async () => {
    const alice = makeClient(server, 'alice', { autoLoadConversations: false });
    const tablet = makeClient(server, 'bob', { deviceId: 'tablet', autoLoadConversations: false });
    const bob = makeClient(server, 'bob', { autoLoadConversations: false });
    for (const { client } of [alice, bob, tablet]) await client.start();
    await done(Promise.all([alice, bob, tablet].map(({ client }) => client.whenConnected())));
    for (const label of ['one', 'two']) await done(alice.client.send({ to: 'bob', body: text(label) }));
    await until(() => (tablet.events.message?.length ?? 0) === 2);
    await done(bob.client.deleteForMe(DM, [1]));
    await until(() => (tablet.events.messagesDeleted?.length ?? 0) === 1);
    expect(tablet.events.messagesDeleted).toEqual([{ conversationId: DM, conversationSeqs: [1] }]);
    expect(bob.events.messagesDeleted).toEqual([{ conversationId: DM, conversationSeqs: [1] }]);
    expect((await done(tablet.client.cachedMessages(DM))).map((message) => message.conversationSeq)).toEqual([2]);
    expect(tablet.client.isHidden(DM, 1)).toBe(true);
    // Alice's side is untouched; her edit of the hidden message is not shown to Bob.
    await done(alice.client.edit(DM, 1, text('one, edited')));
    await until(() => server.timeline('bob').filter((item) => item.type === 'update').length === 1);
    await vi.advanceTimersByTimeAsync(100);
    expect(tablet.events.messageUpdated ?? []).toEqual([]);
    expect((await done(alice.client.cachedMessages(DM))).map((message) => message.conversationSeq)).toEqual([1, 2]);
    expect((await done(bob.client.history(DM))).items.find((message) => message.conversationSeq === 1)).toMatchObject({ deletedForMe: true });
    for (const { client } of [alice, bob, tablet]) await client.stop();
  });

  it('reports each own message queued, sending, sent, delivered, read (or failed with a reason) and acknowledges pushes once per burst', async () => {
    server.holdHandshakes();
    const alice = makeClient(server, 'alice', { autoLoadConversations: false });
    const bob = makeClient(server, 'bob', { autoLoadConversations: false });
    await alice.client.start();
    const sending = alice.client.send({ to: 'bob', body: text('status?'), clientMsgId: 's1' });
    await settle();
    expect(alice.client.messageStatus({ clientMsgId: 's1' })).toEqual({ state: 'queued' });
    server.releaseHandshakes();
    const reply = await done(sending);
    expect(alice.client.messageStatus({ clientMsgId: 's1' })).toEqual({ state: 'sent' });
    await alice.client.loadConversations();
    // Bob comes online and receives by sync (the server records it), then by push (Bob's SDK acknowledges).
    await bob.client.start();
    await until(() => alice.client.messageStatus({ clientMsgId: 's1' })?.state === 'delivered');
    for (const label of ['a', 'b', 'c']) await done(alice.client.send({ to: 'bob', body: text(label) }));
    await until(() => alice.client.messageStatus({ conversationId: DM, conversationSeq: 4 })?.state === 'delivered');
    // Three pushes, one acknowledgement (for the newest).
    expect(framesOf('delivered', 'bob')).toEqual([expect.objectContaining({ conversationId: DM, upTo: 4 })]);
    await done(bob.client.markRead(DM, reply.conversationSeq));
    await until(() => alice.client.messageStatus({ clientMsgId: 's1' })?.state === 'read');
    expect(alice.client.messageStatus({ conversationId: DM, conversationSeq: 4 })).toEqual({ state: 'delivered' });
    expect(alice.events.messageStatus!.filter((event) => event.clientMsgId === 's1').map((event) => event.status.state)).toEqual(['queued', 'sending', 'sent']);
    expect(alice.events.delivered?.map((event) => event.upTo)).toEqual([1, 4]);

    server.failNext('send', 'FORBIDDEN', 1, 'no', 'notMember');
    await expect(done(alice.client.send({ conversationId: 'g:nogroup0001', body: text('x'), clientMsgId: 'f1' }))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(alice.client.messageStatus({ clientMsgId: 'f1' })).toEqual({ state: 'failed', reason: 'FORBIDDEN notMember' });
    await alice.client.stop();
    await bob.client.stop();
  });

  it('catches a large group up on changes made while away, with syncConversation changesAfter', async () => {
    const group = server.createLargeGroup(['alice', 'bob']);
    server.sendAs('alice', { conversationId: group }, 'first');
    server.sendAs('alice', { conversationId: group }, 'second');
    const bob = makeClient(server, 'bob');
    await bob.client.start();
    await until(() => (bob.events.groupMessage?.length ?? 0) === 2);
    await bob.client.stop();
    const alice = makeClient(server, 'alice', { autoLoadConversations: false });
    await alice.client.start();
    await done(alice.client.edit(group, 1, text('first, edited')));
    await done(alice.client.react(group, 2, '🎉'));
    // Bob was away: his next start asks for the changes after his change cursor.
    await bob.client.start();
    await until(() => (bob.events.messageUpdated?.length ?? 0) === 2);
    expect(bob.events.messageUpdated!.map(({ message }) => message.conversationSeq).sort()).toEqual([1, 2]);
    expect(framesOf('syncConversation', 'bob').some((frame) => frame.changesAfter === 0)).toBe(true);
    expect(bob.client.conversation(group)?.lastMessage).toMatchObject({ reactions: { '🎉': ['alice'] } });
    await alice.client.stop();
    await bob.client.stop();
  });
});
