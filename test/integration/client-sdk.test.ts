import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ImClientOptions, ImClient, type MessageItem, MemoryStorage } from '../../client/src/index.js';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { seedDirectConversations } from '../support/seed-conversations.js';
import { startTestCloud } from '../support/test-cloud.js';

const text = (value: string) => ({ kind: 'text' as const, text: value });
let counter = 0;
/** A user id of its own for each test, so tests share one cloud without seeing each other. */
const user = (name: string) => `${name}-${process.pid}-${++counter}`;

/** Polls until `check` holds; the bound is a generous guard against hangs, not a performance assertion. */
const eventually = (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> =>
  expect.poll(check, { timeout: timeoutMs, interval: 25, message: what }).toBe(true);

const bodyText = (item: MessageItem) => (item.message.body?.kind === 'text' ? item.message.body.text : '');

describe('client SDK against the local cloud', () => {
  let cloud: LocalCloud;
  let started: ImClient[] = [];

  /** An SDK client on the `ws` WebSocket, recording the sockets it opens and the messages it applies. */
  function sdk(userId: string, options: Partial<ImClientOptions> = {}) {
    const sockets: WebSocket[] = [];
    const outgoing: { action?: string; clientMsgId?: string }[] = [];
    const faults = { dropAfterNextSend: false };
    class TrackedWebSocket extends WebSocket {
      constructor(url: string) {
        super(url);
        sockets.push(this);
      }

      override send(data: string): void {
        const frame = JSON.parse(data) as { action?: string; clientMsgId?: string };
        outgoing.push(frame);
        super.send(data);
        if (frame.action === 'send' && faults.dropAfterNextSend) {
          // The line drops right after the frame went out: its reply can never arrive.
          faults.dropAfterNextSend = false;
          this.terminate();
        }
      }
    }
    const client = new ImClient({
      url: cloud.url,
      userId,
      token: () => cloud.devToken(userId),
      WebSocket: TrackedWebSocket,
      network: false,
      reconnect: { baseDelayMs: 200, maxDelayMs: 2_000, healthyAfterMs: 5_000 },
      ...options,
    });
    started.push(client);
    const messages: MessageItem[] = [];
    client.on('message', (item) => messages.push(item));
    return {
      client,
      sockets,
      outgoing,
      faults,
      messages,
      texts: () => messages.map(bodyText),
      seqs: () => messages.map((item) => item.seq),
      /** Simulates the network dropping the current connection (no close handshake). */
      dropConnection: () => sockets.at(-1)?.terminate(),
    };
  }

  beforeAll(async () => {
    cloud = await startTestCloud();
  });
  afterEach(async () => {
    cloud.gateway.faults.clear();
    await Promise.all(started.map((client) => client.stop()));
    started = [];
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('loads the conversation list in pages and keeps totalUnread over the pages not loaded yet', async () => {
    const userId = user('pages');
    await seedDirectConversations(cloud, userId, 12, { unread: 3 });
    const friendId = user('friend');
    const friend = sdk(friendId);
    await friend.client.start();
    await friend.client.whenConnected();
    await friend.client.send({ to: userId, body: text('newest') });
    // Without the messages' sync (a device that kept its timeline): only the pages fill the list.
    const me = sdk(userId, { conversationPageSize: 5, autoLoadConversations: false });
    await me.client.start();
    await me.client.whenConnected();
    await me.client.loadConversations();
    expect(me.client.conversations.length).toBeGreaterThanOrEqual(5);
    expect(me.client.hasMoreConversations).toBe(true);
    expect(me.client.conversations[0]?.peer).toBe(friendId);
    // Three seeded unread (the oldest, not loaded yet) and the friend's message.
    expect(me.client.totalUnread).toBe(4);
    while (me.client.hasMoreConversations) await me.client.loadMoreConversations();
    expect(me.client.conversations).toHaveLength(13);
    expect(me.client.totalUnread).toBe(4);
    const oldest = me.client.conversations.at(-1)!;
    expect(oldest.unread).toBe(1);
    expect(await me.client.markRead(oldest.conversationId)).toEqual({ unread: 0, totalUnread: 3 });
    expect(me.client.totalUnread).toBe(3);
  });

  it('lets two users chat through the SDK: ordered messages, unread counts and read receipts', async () => {
    const [aliceId, bobId] = [user('alice'), user('bob')];
    const alice = sdk(aliceId);
    const bob = sdk(bobId);
    await Promise.all([alice.client.start(), bob.client.start()]);
    await Promise.all([alice.client.whenConnected(), bob.client.whenConnected()]);

    for (const value of ['hi bob', 'how are you?', 'long time']) await alice.client.send({ to: bobId, body: text(value) });
    await eventually(() => bob.messages.length === 3, 'bob receives three messages');
    const reply = await bob.client.send({ to: aliceId, body: text('hi alice') });
    expect(reply).toMatchObject({ conversationSeq: 4, seq: 4 });
    await eventually(() => alice.messages.length === 4, 'alice sees the whole conversation');

    expect(bob.texts()).toEqual(['hi bob', 'how are you?', 'long time', 'hi alice']);
    expect(alice.texts()).toEqual(['hi bob', 'how are you?', 'long time', 'hi alice']);
    expect(alice.seqs()).toEqual([1, 2, 3, 4]);
    expect(bob.seqs()).toEqual([1, 2, 3, 4]);
    const conversationId = reply.conversationId;
    expect(bob.messages.every((item) => item.message.conversationId === conversationId)).toBe(true);

    // Unread bookkeeping: bob's reply marked his side read; alice has one unread.
    await eventually(() => alice.client.conversation(conversationId)?.unread === 1, 'alice has one unread');
    expect(bob.client.conversation(conversationId)).toMatchObject({ peer: aliceId, unread: 0, readUpTo: 4 });
    expect(alice.client.totalUnread).toBe(1);
    expect(await alice.client.markRead(conversationId)).toEqual({ unread: 0, totalUnread: 0 });
    expect(alice.client.conversation(conversationId)).toMatchObject({ unread: 0, readUpTo: 4 });
    await eventually(() => bob.client.conversation(conversationId)?.readBy[aliceId] === 4, 'bob gets the read receipt');

    // The list the server computes agrees with the SDK's bookkeeping.
    const fresh = await alice.client.loadConversations();
    expect(fresh.find((item) => item.conversationId === conversationId)).toMatchObject({ unread: 0, readUpTo: 4 });
  });

  it('edits, reacts, recalls and deletes for me through the SDK against the real server, with statuses up to read', async () => {
    const [aliceId, bobId] = [user('alice'), user('bob')];
    const alice = sdk(aliceId);
    const bob = sdk(bobId);
    const laptop = sdk(bobId, { deviceId: 'laptop' });
    const updated: string[] = [];
    laptop.client.on('messageUpdated', ({ message }) => updated.push(`${message.conversationSeq}v${message.version}`));
    await Promise.all([alice.client.start(), bob.client.start(), laptop.client.start()]);
    await Promise.all([alice.client.whenConnected(), bob.client.whenConnected(), laptop.client.whenConnected()]);

    const first = await alice.client.send({ to: bobId, body: text('helo'), clientMsgId: 'first' });
    const second = await alice.client.send({ to: bobId, body: text('oops'), clientMsgId: 'second' });
    const conversationId = first.conversationId;
    await eventually(() => laptop.messages.length === 2, 'the laptop has both');
    // Bob's devices acknowledge the pushes: Alice sees delivered.
    await eventually(() => alice.client.messageStatus({ clientMsgId: 'second' })?.state === 'delivered', 'delivered');
    await alice.client.edit(conversationId, first.conversationSeq, text('hello'));
    await bob.client.react(conversationId, first.conversationSeq, '👍');
    await alice.client.recall(conversationId, second.conversationSeq);
    await eventually(() => updated.length === 3, 'the laptop applies three changes');
    expect(updated).toEqual(['1v2', '1v3', '2v2']);
    const cached = await laptop.client.cachedMessages(conversationId);
    expect(cached[0]).toMatchObject({ body: text('hello'), reactions: { '👍': [bobId] } });
    expect(cached[1]).toMatchObject({ recalled: true });
    expect(cached[1]!.body).toBeUndefined();

    const deleted: number[][] = [];
    laptop.client.on('messagesDeleted', ({ conversationSeqs }) => deleted.push(conversationSeqs));
    await bob.client.deleteForMe(conversationId, [first.conversationSeq]);
    await eventually(() => deleted.length === 1, 'the laptop hides it too');
    expect((await laptop.client.cachedMessages(conversationId)).map((message) => message.conversationSeq)).toEqual([2]);
    expect((await alice.client.cachedMessages(conversationId)).map((message) => message.conversationSeq)).toEqual([1, 2]);

    await bob.client.markRead(conversationId);
    await eventually(() => alice.client.messageStatus({ clientMsgId: 'first' })?.state === 'read', 'read');
    expect(alice.client.pendingChanges).toEqual([]);
  });

  it('keeps its connection alive with one-way keepAlives, probes a silent link with heartbeats the gateway answers, and never pings', async () => {
    const alice = user('alice');
    const { client, sockets, outgoing } = sdk(alice, { pingIntervalMs: 150, probeSilenceMs: 400, autoLoadConversations: false });
    const heartbeats: unknown[] = [];
    const others: unknown[] = [];
    client.on('serverEvent', (frame) => {
      if (frame.event === 'heartbeat') heartbeats.push(frame.data);
      else others.push(frame);
    });
    await client.start();
    await client.whenConnected();
    await eventually(() => heartbeats.length >= 3 && outgoing.filter((f) => f.action === 'keepAlive').length >= 5, 'keepAlives sent and probes answered');
    // Every probe was answered (the link was never given up); no keepAlive was answered, no ping sent.
    expect(sockets).toHaveLength(1);
    expect(heartbeats.length).toBeGreaterThanOrEqual(outgoing.filter((f) => f.action === 'heartbeat').length - 1);
    expect(outgoing.filter((f) => f.action === 'ping')).toEqual([]);
    expect(others).toEqual([]);
  });

  it('recovers pushes dropped on a half-dead connection when the next message reveals the gap', async () => {
    const [aliceId, bobId] = [user('alice'), user('bob')];
    const alice = sdk(aliceId);
    await alice.client.start();
    await alice.client.whenConnected();
    const before = new Set(cloud.gateway.connectionIds());
    const bob = sdk(bobId);
    await bob.client.start();
    await bob.client.whenConnected();
    await bob.client.sync();
    const bobConnection = cloud.gateway.connectionIds().find((id) => !before.has(id));
    expect(bobConnection).toBeDefined();

    await alice.client.send({ to: bobId, body: text('one') });
    await eventually(() => bob.messages.length === 1, 'bob receives the first message');
    cloud.gateway.faults.dropPushesTo(bobConnection!);
    await alice.client.send({ to: bobId, body: text('two (push lost)') });
    await alice.client.send({ to: bobId, body: text('three (push lost)') });
    cloud.gateway.faults.clear();
    expect(bob.messages).toHaveLength(1);

    await alice.client.send({ to: bobId, body: text('four') });
    await eventually(() => bob.messages.length === 4, 'bob fills the gap');
    expect(bob.texts()).toEqual(['one', 'two (push lost)', 'three (push lost)', 'four']);
    expect(bob.seqs()).toEqual([1, 2, 3, 4]);
    expect(bob.client.lastSeq).toBe(4);
  });

  it('converges after its connection drops while the other side sends, and after a stop and restart', async () => {
    const [aliceId, bobId] = [user('alice'), user('bob')];
    const storage = new MemoryStorage();
    const alice = sdk(aliceId);
    const bob = sdk(bobId, { storage });
    await Promise.all([alice.client.start(), bob.client.start()]);
    await Promise.all([alice.client.whenConnected(), bob.client.whenConnected()]);
    await alice.client.send({ to: bobId, body: text('m1') });
    await eventually(() => bob.messages.length === 1, 'bob receives m1');

    // The network drops bob's connection; alice keeps sending; bob reconnects by itself and syncs.
    bob.dropConnection();
    for (const value of ['m2', 'm3', 'm4']) await alice.client.send({ to: bobId, body: text(value) });
    await eventually(() => bob.messages.length === 4, 'bob catches up after reconnecting');
    expect(bob.sockets.length).toBeGreaterThanOrEqual(2);
    expect(bob.texts()).toEqual(['m1', 'm2', 'm3', 'm4']);

    // Bob's app stops; alice sends more; a new instance on the same storage resumes from lastSeq.
    await bob.client.stop();
    for (const value of ['m5', 'm6']) await alice.client.send({ to: bobId, body: text(value) });
    const bobAgain = sdk(bobId, { storage });
    await bobAgain.client.start();
    expect(bobAgain.client.lastSeq).toBe(4);
    await eventually(() => bobAgain.messages.length === 2, 'the restarted client gets what it missed');
    expect(bobAgain.texts()).toEqual(['m5', 'm6']);
    expect(bobAgain.seqs()).toEqual([5, 6]);
    const cached = await bobAgain.client.cachedMessages(bobAgain.messages[0]!.message.conversationId);
    expect(cached.map((message) => message.conversationSeq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('delivers a message sent while disconnected exactly once after the connection comes back', async () => {
    const [aliceId, bobId] = [user('alice'), user('bob')];
    // Alice's token provider is held back: she stays disconnected until it answers.
    let releaseToken: () => void = () => undefined;
    const tokenGate = new Promise<void>((resolve) => (releaseToken = resolve));
    const alice = sdk(aliceId, {
      token: async () => {
        await tokenGate;
        return cloud.devToken(aliceId);
      },
    });
    await alice.client.start();
    const sent = alice.client.send({ to: bobId, body: text('written offline') });
    await eventually(() => alice.client.outbox.length === 1, 'the message waits in the outbox');
    expect(alice.client.connected).toBe(false);
    expect(alice.sockets).toHaveLength(0);
    expect(alice.client.outbox[0]).toMatchObject({ to: bobId, status: 'queued' });
    releaseToken();
    const reply = await sent;
    expect(reply.conversationSeq).toBe(1);
    expect(alice.client.outbox).toEqual([]);

    // The connection drops right after a send is transmitted: the SDK resends the same
    // clientMsgId on the next connection and the server deduplicates it.
    alice.faults.dropAfterNextSend = true;
    const retried = await alice.client.send({ to: bobId, body: text('sent as the line dropped') });
    expect(retried.conversationSeq).toBe(2);
    expect(alice.sockets.length).toBeGreaterThanOrEqual(2);
    const attempts = alice.outgoing.filter((frame) => frame.action === 'send').slice(1);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(attempts.map((frame) => frame.clientMsgId)).size).toBe(1);

    // The recipient's timeline holds one copy of each.
    const bob = sdk(bobId);
    await bob.client.start();
    await bob.client.whenConnected();
    const timeline = await bob.client.request('sync', { after: 0, limit: 200 });
    const bodies = timeline.items.map((item) => (item.message?.body?.kind === 'text' ? item.message.body.text : item.type));
    expect(bodies).toEqual(['written offline', 'sent as the line dropped']);
    expect(timeline.items[1]?.message?.clientMsgId).toBe(attempts[0]!.clientMsgId);
    await eventually(() => bob.messages.length === 2, 'bob applies both');
    expect(bob.texts()).toEqual(['written offline', 'sent as the line dropped']);
  });

  it('stops after three refused handshakes (ws shows the HTTP status), and connects again after start() with a good token', async () => {
    const malloryId = user('mallory');
    // A valid-looking JWT whose signature the authorizer rejects: only the status tells.
    const good = await cloud.devToken(malloryId);
    const forged = `${good.slice(0, good.lastIndexOf('.'))}.${'A'.repeat(43)}`;
    let token = forged;
    const mallory = sdk(malloryId, { token: () => token, reconnect: { baseDelayMs: 20, maxDelayMs: 100 } });
    const errors: Error[] = [];
    mallory.client.on('error', (error) => errors.push(error));
    await mallory.client.start();
    await expect(mallory.client.whenConnected()).rejects.toMatchObject({ reason: 'handshakeRefused' });
    const failure = mallory.client.connectionFailure;
    expect(failure).toMatchObject({ source: 'handshake', reason: 'handshakeRefused', attempts: 3 });
    expect([401, 403]).toContain(failure?.status);
    expect(mallory.sockets).toHaveLength(3);
    expect(errors.filter((error) => (error as { reason?: string }).reason === 'handshakeRefused')).toHaveLength(3);
    // Terminal: nothing more is attempted.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(mallory.sockets).toHaveLength(3);

    token = good;
    await mallory.client.start();
    await mallory.client.whenConnected();
    expect(mallory.client.connectionState).toBe('connected');
    await expect(mallory.client.ping()).resolves.toMatchObject({ ts: expect.any(Number) });
  });
});
