import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionStateChange } from '../src/connection.js';
import { ImError } from '../src/errors.js';
import { FakeServer, type FakeSocket } from './fake-server.js';
import { done, fakeJwt, makeClient, settle, stubBrowserNetwork, text, until } from './helpers.js';

/** The server's in-band signal, pushed on one connection just before the server deletes it (close 1000, no reason). */
async function serverCloses(server: FakeServer, socket: FakeSocket, reason: string, retry: boolean): Promise<void> {
  socket.deliver(JSON.stringify({ event: 'closing', data: { reason, retry } }));
  await settle();
  server.drop(socket, 1000);
  await settle();
}

const states = (changes: ConnectionStateChange[] | undefined) => (changes ?? []).map((change) => change.state);

describe('connection: the terminal state, refused handshakes and the closing signal', () => {
  let server: FakeServer;
  beforeEach(() => {
    vi.useFakeTimers();
    server = new FakeServer();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('where the platform shows the handshake status (Node ws: unexpected-response)', () => {
    beforeEach(() => {
      server.handshakeStatusVisible = true;
    });

    it('stops after 3 refusals with 401 in a row, tells the app, and makes no further attempt', async () => {
      const { client, events, tokenCalls } = makeClient(server, 'alice', { autoLoadConversations: false });
      server.refuseHandshakes(Number.POSITIVE_INFINITY, 401);
      await client.start();
      const connected = client.whenConnected();
      connected.catch(() => undefined);
      await until(() => client.connectionState === 'failed');

      expect(server.handshakes).toHaveLength(3);
      expect(tokenCalls).toHaveLength(3);
      const failed = events.connectionState!.at(-1)!;
      expect(failed).toMatchObject({ state: 'failed', failure: { source: 'handshake', reason: 'handshakeRefused', status: 401, attempts: 3 } });
      expect(failed.failure!.error).toMatchObject({ code: 'UNAUTHORIZED', reason: 'handshakeRefused' });
      expect(client.connectionFailure).toBe(failed.failure);
      await expect(connected).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      await expect(client.whenConnected()).rejects.toBeInstanceOf(ImError);
      expect(states(events.connectionState)).toEqual(['connecting', 'reconnecting', 'connecting', 'reconnecting', 'connecting', 'failed']);
      expect((events.error ?? []).filter((error) => error instanceof ImError && error.reason === 'handshakeRefused')).toHaveLength(3);

      // Terminal: no timer left in the connection, no attempt however long we wait.
      await vi.advanceTimersByTimeAsync(24 * 60 * 60_000);
      expect(server.handshakes).toHaveLength(3);
      expect(client.connectionState).toBe('failed');
      await client.stop();
      expect(vi.getTimerCount()).toBe(0);
    });

    it('403 counts the same (FORBIDDEN); the limit is configurable', async () => {
      const { client, events } = makeClient(server, 'alice', { autoLoadConversations: false, reconnect: { maxAuthFailures: 5 } });
      server.refuseHandshakes(Number.POSITIVE_INFINITY, 403);
      await client.start();
      await until(() => client.connectionState === 'failed');
      expect(server.handshakes).toHaveLength(5);
      expect(events.connectionState!.at(-1)!.failure).toMatchObject({ reason: 'handshakeRefused', status: 403, attempts: 5, error: { code: 'FORBIDDEN' } });
      await client.stop();
    });

    it('another refusal status (503) is transient: it backs off and never reaches failed', async () => {
      const { client, events } = makeClient(server, 'alice', { autoLoadConversations: false });
      server.refuseHandshakes(6, 503);
      await client.start();
      await until(() => client.connected);
      expect(server.handshakes).toHaveLength(7);
      expect(states(events.connectionState)).not.toContain('failed');
      expect(events.connectionState!.find((change) => change.state === 'reconnecting')!.error!.message).toContain('HTTP 503');
      await client.stop();
    });

    it('refusals that are not in a row do not add up', async () => {
      const { client } = makeClient(server, 'alice', { autoLoadConversations: false });
      server.refuseHandshakes(2, 401);
      await client.start();
      await until(() => client.connected);
      server.refuseHandshakes(2, 401);
      server.drop('alice');
      await until(() => client.connected);
      expect(server.handshakes).toHaveLength(6);
      expect(client.connectionState).toBe('connected');
      await client.stop();
    });
  });

  describe('where it does not (browsers, React Native: a close before open)', () => {
    it('an expired token: asks the provider again, and the fresh one connects', async () => {
      let calls = 0;
      const { client, events } = makeClient(server, 'alice', {
        autoLoadConversations: false,
        token: () => (++calls === 1 ? fakeJwt('alice', -60) : fakeJwt('alice')),
      });
      await client.start();
      await until(() => client.connected);
      expect(calls).toBe(2);
      expect(server.handshakes.map((handshake) => handshake.user)).toEqual([undefined, 'alice']);
      expect(states(events.connectionState)).toEqual(['connecting', 'reconnecting', 'connecting', 'connected']);
      expect(events.connectionState![1]!.error).toMatchObject({ code: 'UNAUTHORIZED', reason: 'tokenExpired' });
      await client.send({ to: 'bob', body: text('after a refresh') });
      await client.stop();
    });

    it('a provider that keeps giving expired tokens: failed after 3 attempts, nothing more', async () => {
      const { client, events } = makeClient(server, 'alice', { autoLoadConversations: false, token: () => fakeJwt('alice', -1) });
      await client.start();
      await until(() => client.connectionState === 'failed');
      expect(server.handshakes).toHaveLength(3);
      expect(events.connectionState!.at(-1)!.failure).toMatchObject({ source: 'handshake', reason: 'tokenExpired', attempts: 3, error: { code: 'UNAUTHORIZED', reason: 'tokenExpired' } });
      expect(events.connectionState!.at(-1)!.failure!.status).toBeUndefined();
      await vi.advanceTimersByTimeAsync(60 * 60_000);
      expect(server.handshakes).toHaveLength(3);
      await client.stop();
    });

    it.each([['not-a-jwt'], [''], [undefined]])('a provider that gives something that is not a JWT (%j): failed with tokenMalformed', async (token) => {
      const { client, events } = makeClient(server, 'alice', { autoLoadConversations: false, token: () => token as string });
      await client.start();
      await until(() => client.connectionState === 'failed');
      expect(server.handshakes).toHaveLength(3);
      expect(events.connectionState!.at(-1)!.failure).toMatchObject({ reason: 'tokenMalformed', attempts: 3 });
      await client.stop();
    });

    it('a refusal it cannot see, with a token that looks valid: keeps backing off, capped, as for a network failure', async () => {
      const { client, events } = makeClient(server, 'alice', { autoLoadConversations: false, reconnect: { baseDelayMs: 1_000, maxDelayMs: 8_000, healthyAfterMs: 10_000 } });
      server.refuseHandshakes();
      await client.start();
      await until(() => server.handshakes.length >= 12, 10 * 60_000);
      expect(client.connectionState).not.toBe('failed');
      const delays = (events.connectionState ?? []).filter((change) => change.state === 'reconnecting').map((change) => change.delayMs!);
      expect(Math.max(...delays)).toBeLessThanOrEqual(8_000);
      expect(delays.slice(-3)).toEqual([4_000, 4_000, 4_000]); // full jitter draws 0.5 of the 8 s cap
      // Once the cause goes away, it connects.
      server.refuseHandshakes(0);
      await until(() => client.connected);
      await client.stop();
    });

    it('a timed-out attempt says nothing about the token', async () => {
      server.holdHandshakes();
      const { client } = makeClient(server, 'alice', { autoLoadConversations: false, connectTimeoutMs: 1_000, token: () => fakeJwt('alice', -1) });
      await client.start();
      await until(() => server.handshakes.length >= 5);
      expect(client.connectionState).not.toBe('failed');
      await client.stop();
    });
  });

  describe('the closing signal', () => {
    it('retry: false goes to failed at once, closes the socket itself, and rejects what waits for a connection', async () => {
      const { client } = makeClient(server, 'alice', { autoLoadConversations: false });
      await client.start();
      await client.whenConnected();
      const [socket] = server.sockets;
      socket!.deliver(JSON.stringify({ event: 'closing', data: { reason: 'revoked', retry: false } }));
      await settle();
      expect(client.connectionState).toBe('failed');
      expect(socket!.readyState).toBe(3);
      expect(socket!.closeCode).toBe(1000);
      expect(client.connectionFailure).toMatchObject({ source: 'server', reason: 'revoked', attempts: 1, error: { code: 'UNAUTHORIZED', reason: 'revoked' } });
      // Requests waiting for a connection fail now rather than at their timeout.
      await expect(done(client.ping())).rejects.toMatchObject({ code: 'DISCONNECTED' });
      await vi.advanceTimersByTimeAsync(60 * 60_000);
      expect(server.handshakes).toHaveLength(1);
      await client.stop();
    });

    it('retry: true reconnects at once, with a fresh token from the provider', async () => {
      let issued = 0;
      const { client, events } = makeClient(server, 'alice', {
        autoLoadConversations: false,
        token: () => fakeJwt(`alice`, 3600 + ++issued), // a different token every time (an hour: no rotation before its expiry meanwhile)
      });
      await client.start();
      await client.whenConnected();
      await vi.advanceTimersByTimeAsync(60_000); // healthy
      const [first] = server.sockets;
      const before = Date.now();
      await serverCloses(server, first!, 'tokenExpired', true);
      await until(() => client.connected);
      expect(server.handshakes).toHaveLength(2);
      expect(server.handshakes[1]!.at).toBe(before); // no backoff wait
      expect(server.handshakes[1]!.token).not.toBe(server.handshakes[0]!.token);
      expect(issued).toBe(2);
      expect(states(events.connectionState)).toEqual(['connecting', 'connected', 'connecting', 'connected']);
      await client.send({ to: 'bob', body: text('on the fresh connection') });
      await client.stop();
    });

    it('replaces the connection before its token expires, with a fresh token, so the server never has to close it', async () => {
      let issued = 0;
      const { client, events } = makeClient(server, 'alice', {
        autoLoadConversations: false,
        pingIntervalMs: 10 * 60 * 60_000,
        token: () => fakeJwt('alice', 300 + ++issued), // five minutes
      });
      await client.start();
      await client.whenConnected();
      // The default margin is 60 s: the replacement opens at about 240 s, not at maxConnectionAgeMs.
      await vi.advanceTimersByTimeAsync(230_000);
      expect(server.handshakes).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(20_000);
      await until(() => server.handshakes.length === 2);
      expect(server.handshakes[1]!.token).not.toBe(server.handshakes[0]!.token);
      await until(() => server.sockets[0]!.readyState === 3);
      expect(client.connectionState).toBe('connected');
      // Make before break: the app never saw a reconnect.
      expect(states(events.connectionState)).toEqual(['connecting', 'connected']);
      await client.stop();
    });

    it('surfaces closing tokenExpired as the reason of the reconnect', async () => {
      const { client, events } = makeClient(server, 'alice', { autoLoadConversations: false });
      await client.start();
      await client.whenConnected();
      await vi.advanceTimersByTimeAsync(60_000);
      await serverCloses(server, server.sockets[0]!, 'tokenExpired', true);
      await until(() => client.connected);
      const reconnecting = (events.connectionState ?? []).find((change) => change.state === 'connecting' && change.error);
      expect(reconnecting?.error).toMatchObject({ code: 'DISCONNECTED', reason: 'tokenExpired' });
      await client.stop();
    });

    it('retry: true right after connecting backs off (a server that keeps asking cannot make it spin)', async () => {
      const { client, events } = makeClient(server, 'alice', { autoLoadConversations: false });
      await client.start();
      await client.whenConnected();
      await vi.advanceTimersByTimeAsync(60_000);
      await serverCloses(server, server.sockets[0]!, 'tooManyConnections', true);
      await until(() => client.connected);
      // Not yet healthy: the next one waits.
      await serverCloses(server, server.sockets[1]!, 'tooManyConnections', true);
      expect(client.connectionState).toBe('reconnecting');
      expect(events.connectionState!.at(-1)).toMatchObject({ state: 'reconnecting', delayMs: 1_000 });
      await until(() => client.connected);
      expect(server.handshakes).toHaveLength(3);
      await client.stop();
    });

    it('a closing signal on a connection being replaced (make before break) is ignored', async () => {
      const { client } = makeClient(server, 'alice', { autoLoadConversations: false, maxConnectionAgeMs: 60 * 60_000, pingIntervalMs: 10 * 60 * 60_000 });
      await client.start();
      await client.whenConnected();
      server.delayNext('presence', 5_000);
      await vi.advanceTimersByTimeAsync(60 * 60_000 - 1_000);
      const presence = client.presence(['bob']);
      await vi.advanceTimersByTimeAsync(1_000);
      await until(() => server.liveConnections.length === 2);
      const [old] = server.sockets;
      // The server tells the old one it was replaced: that is the rotation, not a reason to stop.
      old!.deliver(JSON.stringify({ event: 'closing', data: { reason: 'replaced', retry: false } }));
      await settle();
      expect(client.connectionState).toBe('connected');
      await done(presence);
      await until(() => old!.readyState === 3);
      expect(client.connectionState).toBe('connected');
      expect(server.liveConnections).toHaveLength(1);
      await client.stop();
    });

    it('a closing signal without a boolean retry is treated as retry: true', async () => {
      const { client } = makeClient(server, 'alice', { autoLoadConversations: false });
      await client.start();
      await client.whenConnected();
      await vi.advanceTimersByTimeAsync(60_000);
      server.sockets[0]!.deliver(JSON.stringify({ event: 'closing', data: { reason: 'somethingNew' } }));
      await until(() => client.connected && server.handshakes.length === 2);
      expect(client.connectionState).toBe('connected');
      await client.stop();
    });
  });

  describe('after failed', () => {
    it('start() starts over (e.g. after signing in again); stop() and start() too', async () => {
      let valid = false;
      const { client, events } = makeClient(server, 'alice', { autoLoadConversations: false, token: () => fakeJwt('alice', valid ? 3600 : -1) });
      await client.start();
      await until(() => client.connectionState === 'failed');
      expect(server.handshakes).toHaveLength(3);

      // start() from failed, still with bad tokens: the count starts again from zero.
      await client.start();
      await until(() => client.connectionState === 'failed');
      expect(server.handshakes).toHaveLength(6);

      // The user signs in again; stop() then start().
      await client.stop();
      expect(client.connectionState).toBe('closed');
      valid = true;
      await client.start();
      await client.whenConnected();
      expect(client.connectionFailure).toBeUndefined();
      expect(states(events.connectionState).slice(-3)).toEqual(['closed', 'connecting', 'connected']);
      await client.send({ to: 'bob', body: text('signed in again') });
      await client.stop();
    });

    it('reconnect() from failed also starts over', async () => {
      let valid = false;
      const { client } = makeClient(server, 'alice', { autoLoadConversations: false, token: () => fakeJwt('alice', valid ? 3600 : -1) });
      await client.start();
      await until(() => client.connectionState === 'failed');
      valid = true;
      client.reconnect();
      await until(() => client.connected);
      await client.stop();
    });

    it('online/offline events neither revive a failed connection nor are missed after start()', async () => {
      const target = stubBrowserNetwork();
      try {
        let valid = false;
        const { client } = makeClient(server, 'alice', { autoLoadConversations: false, network: undefined, token: () => fakeJwt('alice', valid ? 3600 : -1) });
        await client.start();
        await until(() => client.connectionState === 'failed');
        target.dispatchEvent(new Event('offline'));
        target.dispatchEvent(new Event('online'));
        await vi.advanceTimersByTimeAsync(60_000);
        expect(client.connectionState).toBe('failed');
        expect(server.handshakes).toHaveLength(3);

        valid = true;
        await client.start();
        await client.whenConnected();
        target.dispatchEvent(new Event('offline'));
        server.drop('alice');
        await settle();
        expect(client.connectionState).toBe('offline');
        target.dispatchEvent(new Event('online'));
        await until(() => client.connected);
        await client.stop();
      } finally {
        vi.unstubAllGlobals();
      }
    });
  });

  describe('offline and rotation with the new machine', () => {
    it('an attempt that fails while the device went offline waits for online, then connects', async () => {
      const target = stubBrowserNetwork();
      try {
        server.holdHandshakes();
        const { client } = makeClient(server, 'alice', { autoLoadConversations: false, network: undefined, connectTimeoutMs: 5_000 });
        await client.start();
        expect(client.connectionState).toBe('connecting');
        target.dispatchEvent(new Event('offline'));
        await vi.advanceTimersByTimeAsync(5_000);
        expect(client.connectionState).toBe('offline');
        server.releaseHandshakes();
        await vi.advanceTimersByTimeAsync(60_000);
        expect(server.handshakes).toHaveLength(1);
        target.dispatchEvent(new Event('online'));
        await until(() => client.connected);
        expect(server.handshakes).toHaveLength(2);
        await client.stop();
      } finally {
        vi.unstubAllGlobals();
      }
    });

    it('a refused rotation keeps the current connection and tries again later; refusals there never lead to failed', async () => {
      server.handshakeStatusVisible = true;
      const { client, events } = makeClient(server, 'alice', { autoLoadConversations: false, maxConnectionAgeMs: 60 * 60_000, pingIntervalMs: 10 * 60 * 60_000 });
      await client.start();
      await client.whenConnected();
      server.refuseHandshakes(4, 401);
      await vi.advanceTimersByTimeAsync(60 * 60_000);
      await until(() => server.handshakes.length === 6 && server.liveConnections.length === 1 && server.sockets.length === 6, 10 * 60_000);
      expect(server.sockets[0]!.readyState).toBe(3); // replaced once the fifth rotation attempt opened
      expect(server.sockets[5]!.readyState).toBe(1);
      expect(states(events.connectionState)).toEqual(['connecting', 'connected']);
      await client.send({ to: 'bob', body: text('after rotation') });
      await client.stop();
    });
  });
});
