import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeServer } from './fake-server.js';
import { makeClient, settle, text, until } from './helpers.js';

describe('connection: tokens, backoff, ping, proactive reconnect, online/offline', () => {
  let server: FakeServer;
  beforeEach(() => {
    vi.useFakeTimers();
    server = new FakeServer();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('connects with ?token=&device= and asks the token provider again before every connect', async () => {
    let issued = 0;
    const { client } = makeClient(server, 'alice', {
      deviceId: 'phone-1',
      autoLoadConversations: false,
      token: async () => {
        issued++;
        return 'token-alice';
      },
    });
    await client.start();
    await client.whenConnected();
    server.drop('alice');
    await until(() => server.connectionsOf('alice').length === 1 && client.connected);
    expect(issued).toBe(2);
    expect(server.handshakes.map((handshake) => handshake.url)).toEqual([
      'ws://fake.test/prod?token=token-alice&device=phone-1',
      'ws://fake.test/prod?token=token-alice&device=phone-1',
    ]);
    await client.stop();
  });

  it('uses a refreshed token after a handshake with a token that is not a JWT fails', async () => {
    const tokens = ['expired-token', 'token-alice'];
    const { client, events } = makeClient(server, 'alice', { autoLoadConversations: false, token: async () => tokens.shift() ?? 'token-alice' });
    await client.start();
    await until(() => client.connected);
    expect(server.handshakes.map((handshake) => handshake.token)).toEqual(['expired-token', 'token-alice']);
    expect(events.connectionState?.find((change) => change.state === 'reconnecting')?.error).toMatchObject({ code: 'UNAUTHORIZED', reason: 'tokenMalformed' });
    await client.stop();
  });

  it('backs off exponentially with full jitter, capped, and resets after a healthy connection', async () => {
    const draws: number[] = [];
    // Deterministic "random": the jitter draws 0.5 of each ceiling.
    const { client, events } = makeClient(server, 'alice', {
      autoLoadConversations: false,
      random: () => {
        draws.push(0.5);
        return 0.5;
      },
      reconnect: { baseDelayMs: 1_000, maxDelayMs: 8_000, healthyAfterMs: 10_000 },
    });
    server.refuseHandshakes(6);
    await client.start();
    await until(() => client.connected);
    const delays = () => (events.connectionState ?? []).filter((change) => change.state === 'reconnecting').map((change) => change.delayMs);
    // Ceilings 1, 2, 4, 8, 8, 8 s; full jitter draws 0.5 of each.
    expect(delays()).toEqual([500, 1_000, 2_000, 4_000, 4_000, 4_000]);
    const times = server.handshakes.map((handshake) => handshake.at - server.handshakes[0]!.at);
    expect(times).toEqual([0, 500, 1_500, 3_500, 7_500, 11_500, 15_500]);

    // Dropped before it was healthy: the backoff keeps growing.
    await vi.advanceTimersByTimeAsync(5_000);
    server.drop('alice');
    await until(() => client.connected);
    expect(delays().at(-1)).toBe(4_000);

    // Healthy for 10 s: the next drop starts again from the first step.
    await vi.advanceTimersByTimeAsync(10_000);
    server.drop('alice');
    await until(() => client.connected);
    expect(delays().at(-1)).toBe(500);
    await client.stop();
  });

  it('draws a fresh random delay for every attempt (full jitter)', async () => {
    const values = [0.1, 0.9, 0.3];
    const { client, events } = makeClient(server, 'alice', {
      autoLoadConversations: false,
      random: () => values.shift() ?? 0,
      reconnect: { baseDelayMs: 1_000, maxDelayMs: 60_000, healthyAfterMs: 10_000 },
    });
    server.refuseHandshakes(3);
    await client.start();
    await until(() => client.connected);
    const delays = (events.connectionState ?? []).filter((change) => change.state === 'reconnecting').map((change) => change.delayMs);
    expect(delays).toEqual([100, 1_800, 1_200]);
    await client.stop();
  });

  const keepAliveActions = (): string[] =>
    server.requests.map((entry) => String(entry.frame.action)).filter((action) => action === 'keepAlive' || action === 'heartbeat' || action === 'ping');

  it('keeps alive at the configured interval with one-way keepAlives, and replaces a connection whose probe goes unanswered', async () => {
    const { client } = makeClient(server, 'alice', { autoLoadConversations: false, pingIntervalMs: 240_000, pingTimeoutMs: 10_000, probeSilenceMs: 60 * 60_000 });
    await client.start();
    await client.whenConnected();
    await vi.advanceTimersByTimeAsync(239_999);
    expect(keepAliveActions()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(keepAliveActions()).toEqual(['keepAlive']);
    await vi.advanceTimersByTimeAsync(240_000);
    expect(keepAliveActions()).toEqual(['keepAlive', 'keepAlive']);
    expect(server.sockets).toHaveLength(1);

    // Half-open: nothing gets through and no close is seen. One-way frames cannot tell; once the
    // link has been silent for probeSilenceMs the tick is a heartbeat, which goes unanswered, so
    // does the ping that double-checks it, and the connection is replaced.
    const [first] = server.sockets;
    server.blackhole(first!);
    await vi.advanceTimersByTimeAsync(60 * 60_000 + 10_000 + 10_000);
    await until(() => client.connected && server.sockets.length === 2);
    expect(first!.readyState).toBe(3);
    await client.stop();
  });

  it('asks for an answer (a heartbeat) only after probeSilenceMs without a frame, and never pings', async () => {
    const { client } = makeClient(server, 'alice', { autoLoadConversations: false, pingIntervalMs: 8 * 60_000, probeSilenceMs: 16 * 60_000 });
    await client.start();
    await client.whenConnected();
    await vi.advanceTimersByTimeAsync(48 * 60_000);
    // Ticks at 8, 16 (silent for 16 min: probe, answered), 24, 32 (probe), 40, 48 (probe) min.
    expect(keepAliveActions()).toEqual(['keepAlive', 'heartbeat', 'keepAlive', 'heartbeat', 'keepAlive', 'heartbeat']);
    // A frame from the server is as good as an answer: a message at 50 min puts the next probe off.
    server.sendAs('bob', { to: 'alice' }, 'hello');
    await vi.advanceTimersByTimeAsync(50 * 60_000 - 48 * 60_000);
    await vi.advanceTimersByTimeAsync(16 * 60_000);
    // Ticks at 56 and 64 min: 6 and 14 min after the message, both one-way.
    expect(keepAliveActions().slice(6)).toEqual(['keepAlive', 'keepAlive']);
    await client.stop();
  });

  it('on a server without keepAlive, uses heartbeats and makes every connectionRefreshMs one keep-alive a ping', async () => {
    server.keepAliveRoute = false;
    const { client, events } = makeClient(server, 'alice', { autoLoadConversations: false, pingIntervalMs: 8 * 60_000, connectionRefreshMs: 24 * 60_000 });
    await client.start();
    await client.whenConnected();
    await vi.advanceTimersByTimeAsync(96 * 60_000);
    // The first keepAlive is refused (its id comes back with BAD_REQUEST); then ticks at 16,
    // 24 (refresh due), 32, 40, 48 (due), ... min after the connect.
    expect(keepAliveActions()).toEqual(['keepAlive', 'heartbeat', 'ping', 'heartbeat', 'heartbeat', 'ping', 'heartbeat', 'heartbeat', 'ping', 'heartbeat', 'heartbeat', 'ping']);
    expect(events.error ?? []).toEqual([]);
    await client.stop();
  });

  it('pings instead on a server without either keep-alive route, without reporting an error', async () => {
    server.keepAliveRoute = false;
    server.heartbeatRoute = false;
    const { client, events } = makeClient(server, 'alice', { autoLoadConversations: false, pingIntervalMs: 60_000, pingTimeoutMs: 10_000 });
    await client.start();
    await client.whenConnected();
    await vi.advanceTimersByTimeAsync(4 * 60_000);
    // keepAlive refused at once; the next tick's heartbeat is refused at once too: a ping decides, and pings go on.
    expect(keepAliveActions()).toEqual(['keepAlive', 'heartbeat', 'ping', 'ping', 'ping']);
    expect(events.error ?? []).toEqual([]);
    expect(server.sockets).toHaveLength(1);
    await client.stop();
  });

  it('pings every time with heartbeat: false, and uses heartbeats with oneWayKeepAlive: false', async () => {
    const { client } = makeClient(server, 'alice', { autoLoadConversations: false, pingIntervalMs: 60_000, heartbeat: false });
    await client.start();
    await client.whenConnected();
    await vi.advanceTimersByTimeAsync(2 * 60_000);
    expect(keepAliveActions()).toEqual(['ping', 'ping']);
    await client.stop();
    server.requests.length = 0;
    const other = makeClient(server, 'bob', { autoLoadConversations: false, pingIntervalMs: 60_000, oneWayKeepAlive: false });
    await other.client.start();
    await other.client.whenConnected();
    await vi.advanceTimersByTimeAsync(2 * 60_000);
    expect(keepAliveActions()).toEqual(['heartbeat', 'heartbeat']);
    await other.client.stop();
  });

  it('replaces a connection before the 2-hour limit, make before break, losing nothing', async () => {
    const { client, texts } = makeClient(server, 'bob', { autoLoadConversations: false, maxConnectionAgeMs: 60 * 60_000, pingIntervalMs: 10 * 60 * 60_000 });
    await client.start();
    await client.whenConnected();
    server.sendAs('alice', { to: 'bob' }, 'one');
    await until(() => texts().length === 1);

    // A request is in flight on the old connection when the replacement opens.
    server.delayNext('presence', 5_000);
    server.holdHandshakes();
    await vi.advanceTimersByTimeAsync(60 * 60_000 - 1_000);
    const presence = client.presence(['alice']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(server.sockets).toHaveLength(2);
    const [old, fresh] = server.sockets as [(typeof server.sockets)[0], (typeof server.sockets)[0]];
    expect(client.connectionState).toBe('connected');
    // While the new one opens, the old one still carries traffic and pushes.
    server.sendAs('alice', { to: 'bob' }, 'two');
    await until(() => texts().length === 2);
    server.releaseHandshakes();
    await settle();
    expect(fresh.readyState).toBe(1);
    // The old connection drains: it closes once its request is answered. Meanwhile a push reaches
    // both connections, and is applied once.
    expect(old.readyState).toBe(1);
    server.sendAs('alice', { to: 'bob' }, 'both');
    await until(() => texts().length === 3);
    await vi.advanceTimersByTimeAsync(100);
    let answered: unknown;
    void presence.then((users) => (answered = users));
    await until(() => answered !== undefined);
    expect(answered).toMatchObject({ alice: { online: false } });
    await until(() => old.readyState === 3);
    server.sendAs('alice', { to: 'bob' }, 'three');
    await until(() => texts().length === 4);
    expect(texts()).toEqual(['one', 'two', 'both', 'three']);
    expect(server.requests.filter((entry) => entry.frame.action === 'sync').length).toBeGreaterThanOrEqual(2);
    expect(client.connectionState).toBe('connected');
    await client.stop();
  });

  it('gives up on a connection attempt that never opens and tries again', async () => {
    server.holdHandshakes();
    const { client, events } = makeClient(server, 'alice', { autoLoadConversations: false, connectTimeoutMs: 5_000 });
    await client.start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(events.connectionState?.some((change) => change.state === 'reconnecting')).toBe(true);
    server.releaseHandshakes();
    await until(() => client.connected);
    expect(server.sockets[0]!.readyState).toBe(3);
    await client.stop();
  });

  it('pauses reconnect attempts while the browser is offline and reconnects at once when it is back online', async () => {
    const target = new EventTarget();
    vi.stubGlobal('addEventListener', target.addEventListener.bind(target));
    vi.stubGlobal('removeEventListener', target.removeEventListener.bind(target));
    const { client, events } = makeClient(server, 'alice', { autoLoadConversations: false, network: undefined, reconnect: { baseDelayMs: 1_000, maxDelayMs: 30_000, healthyAfterMs: 10_000 } });
    await client.start();
    await client.whenConnected();

    target.dispatchEvent(new Event('offline'));
    server.refuseHandshakes();
    server.drop('alice');
    await settle();
    expect(client.connectionState).toBe('offline');
    const attempts = server.handshakes.length;
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(server.handshakes.length).toBe(attempts);

    server.refuseHandshakes(0);
    target.dispatchEvent(new Event('online'));
    await settle();
    expect(client.connected).toBe(true);
    expect(server.handshakes.length).toBe(attempts + 1);
    expect(events.connectionState?.map((change) => change.state)).toEqual(['connecting', 'connected', 'offline', 'connecting', 'connected']);

    // Offline during a backoff wait cancels the pending attempt.
    server.refuseHandshakes();
    server.drop('alice');
    await settle();
    expect(client.connectionState).toBe('reconnecting');
    target.dispatchEvent(new Event('offline'));
    expect(client.connectionState).toBe('offline');
    const before = server.handshakes.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.handshakes.length).toBe(before);
    await client.stop();
  });

  it('keeps alive below the idle timeout by default, with a minute to spare for late timers', async () => {
    const { client } = makeClient(server, 'alice', { autoLoadConversations: false });
    await client.start();
    await client.whenConnected();
    await vi.advanceTimersByTimeAsync(9 * 60_000 - 1);
    expect(server.requests.filter((entry) => entry.frame.action === 'keepAlive').length).toBe(1);
    await client.stop();
  });

  it('stops cleanly: no timers left, the socket closed, and start works again', async () => {
    const { client } = makeClient(server, 'alice', { autoLoadConversations: false });
    await client.start();
    await client.whenConnected();
    await client.stop();
    expect(server.liveConnections).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    await client.start();
    await client.whenConnected();
    expect(client.connected).toBe(true);
    await client.send({ to: 'bob', body: text('after restart') });
    await client.stop();
  });
});
