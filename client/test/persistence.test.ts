import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalStorageAdapter, type KeyValueBackend } from '../src/local-storage.js';
import { MemoryStorage } from '../src/storage.js';
import { FakeServer } from './fake-server.js';
import { done, makeClient, text, until } from './helpers.js';

describe('persistence: the outbox, lastSeq and cursors survive a reload', () => {
  let server: FakeServer;
  beforeEach(() => {
    vi.useFakeTimers();
    server = new FakeServer();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('resends the outbox of a previous instance with the same clientMsgIds, in order, exactly once', async () => {
    const storage = new MemoryStorage();
    server.holdHandshakes(); // the first instance never gets a connection
    const first = makeClient(server, 'alice', { storage, autoLoadConversations: false });
    await first.client.start();
    const lost = [first.client.send({ to: 'bob', body: text('one') }), first.client.send({ to: 'bob', body: text('two') })].map((promise) =>
      promise.catch((error: unknown) => error),
    );
    await until(() => first.client.outbox.length === 2);
    const queued = first.client.outbox.map((entry) => entry.clientMsgId);
    // "Reload": the first instance goes away; its promises cannot survive.
    await first.client.stop();
    for (const promise of lost) expect(await promise).toMatchObject({ code: 'DISCONNECTED' });

    server.releaseHandshakes();
    const second = makeClient(server, 'alice', { storage, autoLoadConversations: false });
    await second.client.start();
    expect(second.client.outbox.map((entry) => entry.clientMsgId)).toEqual(queued);
    await until(() => (second.events.sent ?? []).length === 2);
    expect(second.events.sent?.map((sent) => sent.clientMsgId)).toEqual(queued);
    expect(server.messages('dm:alice:bob').map((message) => message.clientMsgId)).toEqual(queued);
    expect(second.client.outbox).toEqual([]);
    await second.client.stop();
  });

  it('does not duplicate a message whose first attempt was stored just before the reload', async () => {
    const storage = new MemoryStorage();
    const first = makeClient(server, 'alice', { storage, autoLoadConversations: false });
    await first.client.start();
    await first.client.whenConnected();
    server.swallowNext('send', 1, true); // stored on the server, reply lost
    const pending = first.client.send({ to: 'bob', body: text('stored once') }).catch((error: unknown) => error);
    await until(() => server.sendFrames().length === 1);
    await first.client.stop();
    await pending;

    const second = makeClient(server, 'alice', { storage, autoLoadConversations: false });
    await second.client.start();
    await until(() => (second.events.sent ?? []).length === 1);
    const frames = server.sendFrames();
    expect(frames.map((frame) => frame.clientMsgId)).toEqual([frames[0]!.clientMsgId, frames[0]!.clientMsgId]);
    expect(server.messages('dm:alice:bob')).toHaveLength(1);
    // The reply places our message in our timeline on the new instance too.
    await until(() => second.texts().length === 1);
    expect(second.client.lastSeq).toBe(1);
    await second.client.stop();
  });

  it('resumes the timeline from the stored lastSeq: no message is shown twice', async () => {
    const storage = new MemoryStorage();
    const first = makeClient(server, 'bob', { storage, autoLoadConversations: false });
    await first.client.start();
    for (let n = 1; n <= 3; n++) server.sendAs('alice', { to: 'bob' }, `m${n}`);
    await until(() => first.texts().length === 3);
    await first.client.stop();
    server.sendAs('alice', { to: 'bob' }, 'm4');
    server.sendAs('alice', { to: 'bob' }, 'm5');

    const second = makeClient(server, 'bob', { storage, autoLoadConversations: false });
    await second.client.start();
    expect(second.client.lastSeq).toBe(3);
    await until(() => second.texts().length === 2);
    expect(second.texts()).toEqual(['m4', 'm5']);
    const syncs = server.requests.filter((entry) => entry.frame.action === 'sync').map((entry) => entry.frame.after);
    expect(syncs.at(-1)).toBe(3);
    // The message cache was kept too.
    expect((await second.client.cachedMessages('dm:alice:bob')).map((message) => message.conversationSeq)).toEqual([1, 2, 3, 4, 5]);
    await second.client.stop();
  });

  it('keeps large-group cursors across a reload', async () => {
    const storage = new MemoryStorage();
    const group = server.createLargeGroup(['alice', 'bob']);
    const first = makeClient(server, 'bob', { storage });
    await first.client.start();
    await first.client.whenConnected();
    server.sendAs('alice', { conversationId: group }, 'g1');
    server.sendAs('alice', { conversationId: group }, 'g2');
    await until(() => (first.events.groupMessage ?? []).length === 2);
    await first.client.stop();
    server.sendAs('alice', { conversationId: group }, 'g3');

    const second = makeClient(server, 'bob', { storage });
    await second.client.start();
    await until(() => (second.events.groupMessage ?? []).length === 1);
    expect(second.events.groupMessage?.map((message) => message.conversationSeq)).toEqual([3]);
    await second.client.stop();
  });

  it('bounds the message cache per conversation', async () => {
    const { client } = makeClient(server, 'bob', { autoLoadConversations: false, messageCacheSize: 3 });
    await client.start();
    for (let n = 1; n <= 6; n++) server.sendAs('alice', { to: 'bob' }, `m${n}`);
    await until(() => client.lastSeq === 6);
    expect((await client.cachedMessages('dm:alice:bob')).map((message) => message.body)).toEqual([text('m4'), text('m5'), text('m6')]);
    await client.stop();
  });

  it('works with localStorage (sync) and AsyncStorage-like (async) backends', async () => {
    const values = new Map<string, string>();
    const local: KeyValueBackend = {
      getItem: (key) => values.get(key) ?? null,
      setItem: (key, value) => void values.set(key, value),
      removeItem: (key) => void values.delete(key),
    };
    vi.stubGlobal('localStorage', local);
    const adapter = new LocalStorageAdapter({ prefix: 'app:' });
    await adapter.set('k', { a: [1, 'x'] });
    expect(values.get('app:k')).toBe('{"a":[1,"x"]}');
    expect(await adapter.get('k')).toEqual({ a: [1, 'x'] });
    await adapter.delete('k');
    expect(await adapter.get('k')).toBeUndefined();

    const asyncValues = new Map<string, string>();
    const asyncBackend: KeyValueBackend = {
      getItem: async (key) => asyncValues.get(key) ?? null,
      setItem: async (key, value) => void asyncValues.set(key, value),
      removeItem: async (key) => void asyncValues.delete(key),
    };
    server.holdHandshakes();
    const storage = new LocalStorageAdapter({ backend: asyncBackend });
    const first = makeClient(server, 'alice', { storage, autoLoadConversations: false });
    await first.client.start();
    void first.client.send({ to: 'bob', body: text('kept') }).catch(() => undefined);
    await until(() => first.client.outbox.length === 1);
    await first.client.stop();
    expect(JSON.parse(asyncValues.get('im:alice:outbox')!)).toEqual([expect.objectContaining({ to: 'bob', body: text('kept') })]);
    server.releaseHandshakes();
    const second = makeClient(server, 'alice', { storage, autoLoadConversations: false });
    await second.client.start();
    await until(() => server.messages('dm:alice:bob').length === 1);
    await done(second.client.flush());
    expect(JSON.parse(asyncValues.get('im:alice:outbox')!)).toEqual([]);
    expect(JSON.parse(asyncValues.get('im:alice:lastSeq')!)).toBe(1);
    await second.client.stop();
  });
});
