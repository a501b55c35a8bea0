import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeServer } from './fake-server.js';
import { done, makeClient, settle, text, until } from './helpers.js';

describe('outbox: ordered, retried with the same clientMsgId, exactly once', () => {
  let server: FakeServer;
  beforeEach(() => {
    vi.useFakeTimers();
    server = new FakeServer();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const bodies = (conversationId: string) => server.messages(conversationId).map((message) => (message.body?.kind === 'text' ? message.body.text : ''));

  it('generates a random clientMsgId and resolves with the reply; the own message lands in the timeline', async () => {
    const { client, events, texts } = makeClient(server, 'alice', { autoLoadConversations: false });
    await client.start();
    const reply = await done(client.send({ to: 'bob', body: text('hello') }));
    expect(reply).toMatchObject({ conversationId: 'dm:alice:bob', conversationSeq: 1, seq: 1 });
    const [frame] = server.sendFrames('alice');
    expect(frame).toMatchObject({ action: 'send', to: 'bob', body: text('hello') });
    expect(frame!.clientMsgId).toMatch(/^[A-Za-z0-9]{1,64}$/);
    expect(Object.keys(frame!).sort()).toEqual(['action', 'body', 'clientMsgId', 'id', 'to']);
    expect(events.sent).toEqual([expect.objectContaining({ clientMsgId: frame!.clientMsgId, reply })]);
    // The server does not push our own message to this connection: the reply places it.
    expect(texts()).toEqual(['hello']);
    expect(client.lastSeq).toBe(1);
    expect(client.outbox).toEqual([]);
    await client.stop();
  });

  it('shows the body the server stored when its moderation replaced it; a refused message fails without retries', async () => {
    server.moderate = (body) => (body.kind === 'text' && body.text.includes('spam') ? 'deny' : body.kind === 'text' ? { kind: 'text', text: body.text.replace(/heck/g, '****') } : body);
    const { client, texts } = makeClient(server, 'alice', { autoLoadConversations: false });
    await client.start();
    const reply = await done(client.send({ to: 'bob', body: text('oh heck') }));
    expect(reply.body).toEqual(text('oh ****'));
    expect(texts()).toEqual(['oh ****']);
    const refused = await client.send({ to: 'bob', body: text('buy spam') }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'FORBIDDEN', reason: 'moderated' });
    expect(server.sendFrames('alice')).toHaveLength(2);
    expect(bodies('dm:alice:bob')).toEqual(['oh ****']);
    await client.stop();
  });

  it('queues while disconnected and delivers exactly once after connecting', async () => {
    server.holdHandshakes();
    const { client, events } = makeClient(server, 'alice', { autoLoadConversations: false });
    await client.start();
    const sent = client.send({ to: 'bob', body: text('offline hello') });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(server.sendFrames()).toHaveLength(0);
    expect(client.outbox).toMatchObject([{ to: 'bob', status: 'queued', body: text('offline hello') }]);
    server.releaseHandshakes();
    await done(sent);
    expect(bodies('dm:alice:bob')).toEqual(['offline hello']);
    expect(events.outbox?.at(-1)).toEqual([]);
    await client.stop();
  });

  it('retries with the same clientMsgId across a reconnect when the reply was lost, without a duplicate', async () => {
    const { client } = makeClient(server, 'alice', { autoLoadConversations: false });
    await client.start();
    await client.whenConnected();
    server.swallowNext('send', 1, true); // stored, but the reply never comes
    const sent = client.send({ to: 'bob', body: text('once') });
    await until(() => server.sendFrames().length === 1);
    server.drop('alice');
    const reply = await done(sent);
    const frames = server.sendFrames();
    expect(frames).toHaveLength(2);
    expect(frames[1]!.clientMsgId).toBe(frames[0]!.clientMsgId);
    expect(server.sockets).toHaveLength(2);
    expect(bodies('dm:alice:bob')).toEqual(['once']);
    expect(reply.conversationSeq).toBe(1);
    await client.stop();
  });

  it('retries after TIMEOUT, INTERNAL, RATE_LIMITED and CONFLICT-in-progress, with backoff, keeping the clientMsgId', async () => {
    const { client } = makeClient(server, 'alice', {
      autoLoadConversations: false,
      sendRetry: { timeoutMs: 2_000, baseDelayMs: 400, maxDelayMs: 10_000 },
    });
    await client.start();
    await client.whenConnected();
    server.swallowNext('send', 1, true);
    server.failNext('send', 'INTERNAL', 1);
    server.failNext('send', 'RATE_LIMITED', 1);
    server.failNext('send', 'CONFLICT', 1, 'a send with this clientMsgId is still in progress; retry later with the same clientMsgId', 'inProgress');
    const sent = client.send({ to: 'bob', body: text('persistent') });
    await done(sent);
    expect(server.sendFrames()).toHaveLength(5);
    const frames = server.sendFrames();
    expect(new Set(frames.map((frame) => frame.clientMsgId)).size).toBe(1);
    expect(bodies('dm:alice:bob')).toEqual(['persistent']);
    // Backoff between retries grows (random 0.5 of 400, 800, 1600 ms ...).
    const sendTimes = server.requests.filter((entry) => entry.frame.action === 'send').length;
    expect(sendTimes).toBe(5);
    await client.stop();
  });

  it('waits out the backoff before a retry', async () => {
    const { client } = makeClient(server, 'alice', { autoLoadConversations: false, sendRetry: { baseDelayMs: 1_000, maxDelayMs: 10_000 } });
    await client.start();
    await client.whenConnected();
    server.failNext('send', 'RATE_LIMITED', 2);
    const sent = client.send({ to: 'bob', body: text('later') });
    await settle();
    expect(server.sendFrames()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(499); // first delay: 0.5 * 1000
    expect(server.sendFrames()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.sendFrames()).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(999); // second delay: 0.5 * 2000
    expect(server.sendFrames()).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.sendFrames()).toHaveLength(3);
    await done(sent);
    await client.stop();
  });

  it('transmits in outbox order, one at a time: message n+1 only after n is acknowledged', async () => {
    const { client } = makeClient(server, 'alice', { autoLoadConversations: false });
    await client.start();
    await client.whenConnected();
    server.failNext('send', 'INTERNAL', 2);
    server.delayNext('send', 300, 3);
    const ids = ['a', 'b', 'c', 'd'].map((value) => `id-${value}`);
    const sends = ids.map((clientMsgId, index) => client.send({ to: 'bob', body: text('abcd'[index]!), clientMsgId }));
    const replies = await done(Promise.all(sends));
    expect(replies.map((reply) => reply.conversationSeq)).toEqual([1, 2, 3, 4]);
    expect(bodies('dm:alice:bob')).toEqual(['a', 'b', 'c', 'd']);
    const sendTrace = server.trace.filter((line) => line.includes(' id-'));
    expect(sendTrace).toEqual([
      'recv send id-a',
      'reply send id-a INTERNAL',
      'recv send id-a',
      'reply send id-a INTERNAL',
      'recv send id-a',
      'reply send id-a ok',
      'recv send id-b',
      'reply send id-b ok',
      'recv send id-c',
      'reply send id-c ok',
      'recv send id-d',
      'reply send id-d ok',
    ]);
    await client.stop();
  });

  it('rejects on a permanent error, takes the message out of the outbox, and goes on with the next', async () => {
    const { client, events } = makeClient(server, 'alice', { autoLoadConversations: false });
    await client.start();
    const tooLong = client.send({ to: 'bob', body: text('x'.repeat(4001)) }).catch((error: unknown) => error);
    const toSelf = client.send({ to: 'alice', body: text('me') }).catch((error: unknown) => error);
    const stranger = client.send({ conversationId: 'dm:bob:carol', body: text('sneak') }).catch((error: unknown) => error);
    const fine = client.send({ to: 'bob', body: text('fine') });
    await done(fine);
    expect(await tooLong).toMatchObject({ code: 'TOO_LARGE', action: 'send' });
    expect(await toSelf).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await stranger).toMatchObject({ code: 'FORBIDDEN' });
    expect(bodies('dm:alice:bob')).toEqual(['fine']);
    expect(client.outbox).toEqual([]);
    expect(events.sendFailed?.map((failure) => failure.error.code)).toEqual(['TOO_LARGE', 'BAD_REQUEST', 'FORBIDDEN']);
    await client.stop();
  });

  it('treats CONFLICT for another conversation as permanent', async () => {
    const { client } = makeClient(server, 'alice', { autoLoadConversations: false });
    await client.start();
    await done(client.send({ to: 'bob', body: text('to bob'), clientMsgId: 'same-id' }));
    await expect(done(client.send({ to: 'carol', body: text('to carol'), clientMsgId: 'same-id' }))).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(server.sendFrames().filter((frame) => frame.clientMsgId === 'same-id')).toHaveLength(2);
    expect(bodies('dm:alice:carol')).toEqual([]);
    await client.stop();
  });

  it('gives up after too many CONFLICT-in-progress answers', async () => {
    const { client } = makeClient(server, 'alice', { autoLoadConversations: false, sendRetry: { maxConflictRetries: 3, baseDelayMs: 10, maxDelayMs: 10 } });
    await client.start();
    server.failNext('send', 'CONFLICT', 10, 'a send with this clientMsgId is still in progress', 'inProgress');
    const result = client.send({ to: 'bob', body: text('stuck') }).catch((error: unknown) => error);
    expect(await done(result)).toMatchObject({ code: 'CONFLICT' });
    expect(server.sendFrames()).toHaveLength(4);
    await client.stop();
  });

  it('refuses bad input before queueing it', async () => {
    const { client } = makeClient(server, 'alice', { autoLoadConversations: false });
    await client.start();
    await expect(client.send({ body: text('nowhere') } as never)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(client.send({ to: 'bob', body: text('x'), clientMsgId: 'x'.repeat(65) })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await settle();
    expect(client.outbox).toEqual([]);
    expect(server.sendFrames()).toEqual([]);
    await client.stop();
  });

  it('keeps sending across repeated connection drops until everything is acknowledged once', async () => {
    const { client } = makeClient(server, 'alice', { autoLoadConversations: false, reconnect: { baseDelayMs: 100, maxDelayMs: 1_000, healthyAfterMs: 10_000 } });
    await client.start();
    await client.whenConnected();
    const values = [...Array(8).keys()].map((n) => `m${n}`);
    server.swallowNext('send', 3, true);
    const all = Promise.all(values.map((value) => client.send({ to: 'bob', body: text(value) })));
    for (let drop = 0; drop < 3; drop++) {
      await until(() => server.sendFrames().length > drop * 2);
      server.drop('alice');
      await until(() => client.connected);
    }
    await done(all);
    expect(bodies('dm:alice:bob')).toEqual(values);
    await client.stop();
  });
});
