import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeServer } from './fake-server.js';
import { done, makeClient, settle, text, until } from './helpers.js';

describe('push then pull: lastSeq, gaps, duplicates, void items, reconnects, large groups', () => {
  let server: FakeServer;
  beforeEach(() => {
    vi.useFakeTimers();
    server = new FakeServer();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const syncFrames = () => server.requests.filter((entry) => entry.frame.action === 'sync').map((entry) => entry.frame);

  it('syncs from 0 on the first connect and applies the whole timeline in seq order', async () => {
    for (let n = 1; n <= 5; n++) server.sendAs('alice', { to: 'bob' }, `m${n}`);
    const { client, texts, seqs, events } = makeClient(server, 'bob', { autoLoadConversations: false, syncPageSize: 2 });
    await client.start();
    await until(() => texts().length === 5);
    expect(texts()).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(seqs()).toEqual([1, 2, 3, 4, 5]);
    expect(syncFrames().map((frame) => frame.after)).toEqual([0, 2, 4]);
    expect(syncFrames().every((frame) => frame.limit === 2)).toBe(true);
    expect(events.synced?.at(-1)).toEqual({ lastSeq: 5 });
    expect(client.lastSeq).toBe(5);
    await client.stop();
  });

  it('detects a gap after lost pushes, buffers the pushed item and syncs from lastSeq', async () => {
    const { client, texts, seqs } = makeClient(server, 'bob', { autoLoadConversations: false });
    await client.start();
    await client.whenConnected();
    await client.sync();
    server.sendAs('alice', { to: 'bob' }, 'one');
    await until(() => texts().length === 1);
    const syncsBefore = syncFrames().length;

    server.losePushesTo('bob');
    server.sendAs('alice', { to: 'bob' }, 'two (lost)');
    server.sendAs('alice', { to: 'bob' }, 'three (lost)');
    await settle();
    expect(texts()).toEqual(['one']);
    server.losePushesTo('bob', false);
    server.sendAs('alice', { to: 'bob' }, 'four');
    await until(() => texts().length === 4);
    expect(texts()).toEqual(['one', 'two (lost)', 'three (lost)', 'four']);
    expect(seqs()).toEqual([1, 2, 3, 4]);
    expect(syncFrames().slice(syncsBefore).map((frame) => frame.after)).toEqual([1]);
    await client.stop();
  });

  it('ignores duplicates: re-pushed items and sync pages overlapping pushes are applied once', async () => {
    const { client, texts } = makeClient(server, 'bob', { autoLoadConversations: false });
    await client.start();
    await client.whenConnected();
    await client.sync();
    server.sendAs('alice', { to: 'bob' }, 'one');
    server.sendAs('alice', { to: 'bob' }, 'two');
    await until(() => texts().length === 2);
    for (const item of server.timeline('bob')) server.pushEvent('bob', 'message', item);
    await client.sync();
    await settle();
    expect(texts()).toEqual(['one', 'two']);
    expect(client.lastSeq).toBe(2);
    await client.stop();
  });

  it('advances lastSeq past void items without showing anything', async () => {
    const { client, texts, events } = makeClient(server, 'bob', { autoLoadConversations: false });
    server.sendAs('alice', { to: 'bob' }, 'before');
    server.appendVoid('bob');
    server.sendAs('alice', { to: 'bob' }, 'after');
    await client.start();
    await until(() => texts().length === 2);
    expect(client.lastSeq).toBe(3);
    // A pushed void item is the next seq: applied silently, the next message is no gap.
    server.appendVoid('bob');
    server.sendAs('alice', { to: 'bob' }, 'last');
    await until(() => texts().length === 3);
    expect(texts()).toEqual(['before', 'after', 'last']);
    expect(client.lastSeq).toBe(5);
    expect(events.timelineItem?.map((item) => item.type)).toEqual(['message', 'message', 'message']);
    await client.stop();
  });

  it('syncs after every reconnect and converges with what was sent meanwhile', async () => {
    const { client, texts, seqs } = makeClient(server, 'bob', { autoLoadConversations: false, reconnect: { baseDelayMs: 1_000, maxDelayMs: 5_000, healthyAfterMs: 10_000 } });
    await client.start();
    server.sendAs('alice', { to: 'bob' }, 'one');
    await until(() => texts().length === 1);
    server.refuseHandshakes(3);
    server.drop('bob');
    for (let n = 2; n <= 6; n++) server.sendAs('alice', { to: 'bob' }, `m${n}`);
    await until(() => client.connected && texts().length === 6);
    expect(texts()).toEqual(['one', 'm2', 'm3', 'm4', 'm5', 'm6']);
    expect(seqs()).toEqual([1, 2, 3, 4, 5, 6]);
    // The sync after the reconnect starts from lastSeq.
    expect(syncFrames().at(-1)).toMatchObject({ after: 1 });
    await client.stop();
  });

  it('waits and asks again when sync says hasMore without progress (a seq still being written)', async () => {
    server.sendAs('alice', { to: 'bob' }, 'one');
    server.stallSync('bob', 3);
    const { client, texts } = makeClient(server, 'bob', { autoLoadConversations: false, syncStallDelay: { baseMs: 200, maxMs: 1_000 } });
    await client.start();
    await client.whenConnected();
    await settle();
    expect(syncFrames()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(syncFrames()).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(400);
    expect(syncFrames()).toHaveLength(3);
    await until(() => texts().length === 1);
    expect(syncFrames().every((frame) => frame.after === 0)).toBe(true);
    await client.stop();
  });

  it('pulls a gap left by our own send (the reply names our seq)', async () => {
    const { client, texts } = makeClient(server, 'alice', { autoLoadConversations: false });
    await client.start();
    await client.whenConnected();
    await client.sync();
    server.losePushesTo('alice');
    server.sendAs('bob', { to: 'alice' }, 'lost push');
    await settle();
    await done(client.send({ to: 'bob', body: text('mine') }));
    await until(() => texts().length === 2);
    expect(texts()).toEqual(['lost push', 'mine']);
    await client.stop();
  });

  it('applies pushes from the other devices of the same user, including our own sends from elsewhere', async () => {
    const { client: phone } = makeClient(server, 'alice', { deviceId: 'phone', autoLoadConversations: false });
    const laptop = makeClient(server, 'alice', { deviceId: 'laptop', autoLoadConversations: false });
    await phone.start();
    await laptop.client.start();
    await done(phone.send({ to: 'bob', body: text('from phone') }));
    await until(() => laptop.texts().length === 1);
    expect(laptop.events.message?.[0]?.message).toMatchObject({ from: 'alice', body: text('from phone') });
    await phone.stop();
    await laptop.client.stop();
  });

  describe('large groups', () => {
    it('applies groupMessage events in conversationSeq order and catches up a gap with syncConversation', async () => {
      const group = server.createLargeGroup(['alice', 'bob', 'carol']);
      const { client, events } = makeClient(server, 'bob', { autoLoadConversations: false });
      await client.start();
      await client.whenConnected();
      const groupTexts = () => (events.groupMessage ?? []).map((message) => (message.body?.kind === 'text' ? message.body.text : ''));
      server.sendAs('alice', { conversationId: group }, 'g1');
      await until(() => groupTexts().length === 1);
      server.losePushesTo('bob');
      server.sendAs('carol', { conversationId: group }, 'g2 (lost)');
      server.sendAs('alice', { conversationId: group }, 'g3 (lost)');
      server.losePushesTo('bob', false);
      server.sendAs('carol', { conversationId: group }, 'g4');
      await until(() => groupTexts().length === 4);
      expect(groupTexts()).toEqual(['g1', 'g2 (lost)', 'g3 (lost)', 'g4']);
      expect(client.largeGroupCursors()).toEqual({ [group]: 4 });
      const catchUps = server.requests.filter((entry) => entry.frame.action === 'syncConversation').map((entry) => entry.frame);
      expect(catchUps).toEqual([expect.objectContaining({ conversationId: group, after: 1 })]);
      // Large-group messages are not in the timeline.
      expect(client.lastSeq).toBe(0);
      await client.stop();
    });

    it('after a reconnect, catches up every large group whose latestSeq is ahead', async () => {
      const group = server.createLargeGroup(['alice', 'bob']);
      const { client, events } = makeClient(server, 'bob', { reconnect: { baseDelayMs: 100, maxDelayMs: 1_000, healthyAfterMs: 10_000 } });
      await client.start();
      await client.whenConnected();
      server.sendAs('alice', { conversationId: group }, 'g1');
      await until(() => (events.groupMessage ?? []).length === 1);
      server.refuseHandshakes(2);
      server.drop('bob');
      server.sendAs('alice', { conversationId: group }, 'g2');
      server.sendAs('alice', { conversationId: group }, 'g3');
      await until(() => (events.groupMessage ?? []).length === 3);
      expect(events.groupMessage?.map((message) => message.conversationSeq)).toEqual([1, 2, 3]);
      expect(client.conversation(group)).toMatchObject({ large: true, latestSeq: 3, unread: 3 });
      await client.stop();
    });

    it('emits a large-group message once when it also reaches the timeline (own messages with a seq)', async () => {
      server.largeGroupSenderTimeline = true;
      const group = server.createLargeGroup(['alice', 'bob']);
      const phone = makeClient(server, 'alice', { deviceId: 'phone' });
      const laptop = makeClient(server, 'alice', { deviceId: 'laptop' });
      await Promise.all([phone.client.start(), laptop.client.start()]);
      await until(() => phone.client.conversation(group) !== undefined && laptop.client.conversation(group) !== undefined);
      server.sendAs('bob', { conversationId: group }, 'from bob');
      await until(() => (laptop.events.groupMessage ?? []).length === 1);
      const reply = await done(phone.client.send({ conversationId: group, body: text('from alice') }));
      expect(reply.seq).toBe(1);
      // The laptop gets it twice (groupMessage and its timeline item) and emits it once.
      await until(() => laptop.client.lastSeq === 1 && laptop.client.largeGroupCursors()[group] === 2);
      await settle();
      const seen = (events: typeof laptop.events) => [
        ...(events.groupMessage ?? []).map((message) => message.msgId),
        ...(events.message ?? []).map((item) => item.message.msgId),
      ];
      expect(seen(laptop.events).sort()).toEqual([...new Set(seen(laptop.events))].sort());
      expect(seen(laptop.events)).toHaveLength(2);
      // The phone's own message moved its group cursor too.
      expect(phone.client.largeGroupCursors()[group]).toBe(2);
      expect(seen(phone.events)).toHaveLength(2);
      await Promise.all([phone.client.stop(), laptop.client.stop()]);
    });

    it('sends to a large group through the outbox (no timeline seq in the reply)', async () => {
      const group = server.createLargeGroup(['alice', 'bob']);
      const { client, events } = makeClient(server, 'alice');
      await client.start();
      await until(() => client.conversation(group) !== undefined);
      const reply = await done(client.send({ conversationId: group, body: text('hello all') }));
      expect(reply.seq).toBeNull();
      await until(() => (events.groupMessage ?? []).length === 1);
      expect(client.largeGroupCursors()[group]).toBe(1);
      expect(client.conversation(group)).toMatchObject({ unread: 0, readUpTo: 1 });
      await client.stop();
    });
  });
});
