import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ImError } from '../src/errors.js';
import { FakeServer } from './fake-server.js';
import { makeClient, settle, until } from './helpers.js';

describe('requests: correlation by id, timeouts, typed errors', () => {
  let server: FakeServer;
  beforeEach(() => {
    vi.useFakeTimers();
    server = new FakeServer();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('settles each request with the reply that carries its id, whatever the order of replies', async () => {
    const { client } = makeClient(server, 'alice', { autoLoadConversations: false });
    await client.start();
    await client.whenConnected();
    await client.sync();
    // The reply to the first request comes after the second's.
    server.delayNext('presence', 500);
    server.delayNext('ping', 100);
    const first = client.request('presence', { users: ['bob'] });
    const second = client.ping();
    const results: string[] = [];
    void first.then(() => results.push('presence'));
    void second.then(() => results.push('ping'));
    await until(() => results.length === 2);
    expect(results).toEqual(['ping', 'presence']);
    expect(await first).toEqual({ users: { bob: { online: false, lastSeen: null } } });
    expect(await second).toEqual({ ts: expect.any(Number) });
    const ids = server.requests.map((entry) => entry.frame.id);
    expect(new Set(ids).size).toBe(ids.length);
    await client.stop();
  });

  it('rejects with an ImError carrying the server code and the action', async () => {
    const { client } = makeClient(server, 'alice', { autoLoadConversations: false });
    await client.start();
    const refused = client.history('dm:bob:carol').catch((error: unknown) => error);
    await settle();
    const error = (await refused) as ImError;
    expect(error).toBeInstanceOf(ImError);
    expect(error).toMatchObject({ code: 'FORBIDDEN', action: 'history', serverCode: 'FORBIDDEN' });
    // The strict server refuses unknown fields; undefined parameters are not sent at all.
    await expect(client.request('ping', { extra: 1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(client.history('dm:alice:bob', {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await client.stop();
  });

  it('rejects with TIMEOUT when the reply does not come in time, and later replies are ignored', async () => {
    const { client, events } = makeClient(server, 'alice', { autoLoadConversations: false, requestTimeoutMs: 2_000 });
    await client.start();
    await client.whenConnected();
    await client.sync();
    server.delayNext('ping', 5_000);
    const late = client.ping().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1_999);
    let settled = false;
    void late.then(() => (settled = true));
    await settle();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await late).toMatchObject({ code: 'TIMEOUT', action: 'ping' });
    await vi.advanceTimersByTimeAsync(5_000);
    // The late reply matched nothing and was dropped quietly.
    expect(events.error ?? []).toEqual([]);
    await client.stop();
  });

  it('makes requests wait for the connection, or fail fast when asked to', async () => {
    server.holdHandshakes();
    const { client } = makeClient(server, 'alice', { autoLoadConversations: false, requestTimeoutMs: 60_000 });
    await client.start();
    const waiting = client.ping();
    await expect(client.ping({ whenDisconnected: 'fail' })).rejects.toMatchObject({ code: 'DISCONNECTED' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(server.requests).toEqual([]);
    server.releaseHandshakes();
    expect(await waiting).toEqual({ ts: expect.any(Number) });
    await client.stop();
  });

  it('rejects a waiting request with DISCONNECTED when no connection came within its timeout', async () => {
    server.holdHandshakes();
    const { client } = makeClient(server, 'alice', { autoLoadConversations: false, connectTimeoutMs: 600_000 });
    await client.start();
    const waiting = client.ping({ timeoutMs: 3_000 }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(await waiting).toMatchObject({ code: 'DISCONNECTED' });
    await client.stop();
  });

  it('rejects requests in flight with DISCONNECTED when their connection closes', async () => {
    const { client } = makeClient(server, 'alice', { autoLoadConversations: false });
    await client.start();
    await client.whenConnected();
    server.swallowNext('ping', 1, false);
    const pending = client.ping().catch((error: unknown) => error);
    await settle();
    server.drop('alice');
    expect(await pending).toMatchObject({ code: 'DISCONNECTED' });
    await client.stop();
  });

  it('rejects everything outstanding when the client stops', async () => {
    server.holdHandshakes();
    const { client } = makeClient(server, 'alice', { autoLoadConversations: false });
    await client.start();
    const waiting = client.ping().catch((error: unknown) => error);
    await client.stop();
    expect(await waiting).toMatchObject({ code: 'DISCONNECTED' });
    expect(client.connectionState).toBe('closed');
  });
});

describe('requests: RATE_LIMITED with a retry hint', () => {
  let server: FakeServer;
  beforeEach(() => {
    vi.useFakeTimers();
    server = new FakeServer();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits out retryAfterMs of a userRate or connectionRate refusal and sends the request again, within its timeout', async () => {
    const { client } = makeClient(server, 'alice', { autoLoadConversations: false, requestTimeoutMs: 10_000 });
    await client.start();
    await client.whenConnected();
    server.failNext('presence', 'RATE_LIMITED', 1, 'slow down', 'userRate', 2_000);
    server.failNext('ping', 'RATE_LIMITED', 1, 'slow down', 'connectionRate', 500);
    const before = server.requests.filter((entry) => entry.frame.action === 'presence').length;
    let answered = false;
    const presence = client.request('presence', { users: ['bob'] }).then((result) => {
      answered = true;
      return result;
    });
    await vi.advanceTimersByTimeAsync(1_900);
    // Refused once, not yet sent again.
    expect(server.requests.filter((entry) => entry.frame.action === 'presence').length - before).toBe(1);
    expect(answered).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    await until(() => answered);
    expect(await presence).toEqual({ users: { bob: { online: false, lastSeen: null } } });
    expect(server.requests.filter((entry) => entry.frame.action === 'presence').length - before).toBe(2);
    let pinged: unknown;
    void client.ping().then((result) => (pinged = result));
    await until(() => pinged !== undefined);
    expect(pinged).toEqual({ ts: expect.any(Number) });
    // Refused once (connectionRate), then answered.
    expect(server.requests.filter((entry) => entry.frame.action === 'ping')).toHaveLength(2);
    await client.stop();
  });

  it('rejects with the RATE_LIMITED error when the wait would outlast the timeout, or for a reason it does not resend', async () => {
    const { client } = makeClient(server, 'alice', { autoLoadConversations: false, requestTimeoutMs: 3_000 });
    await client.start();
    await client.whenConnected();
    server.failNext('presence', 'RATE_LIMITED', 1, 'slow down', 'userRate', 60_000);
    const tooLong = client.request('presence', { users: ['bob'] }).catch((error: unknown) => error);
    server.failNext('attachmentUpload', 'RATE_LIMITED', 1, 'quota', 'uploadQuota', 100);
    const quota = client.request('attachmentUpload', { name: 'a.png', contentType: 'image/png', size: 1 }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(500);
    expect(await tooLong).toMatchObject({ code: 'RATE_LIMITED', reason: 'userRate', retryAfterMs: 60_000 });
    expect(await quota).toMatchObject({ code: 'RATE_LIMITED', reason: 'uploadQuota' });
    await client.stop();
  });
});
