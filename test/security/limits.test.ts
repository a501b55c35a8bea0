import { request as httpRequest } from 'node:http';
import { USER_RATE_CLASS_NAMES, USER_RATE_CLASSES, type UserRateClass } from '@serverless-im/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { syncAll } from '../support/timeline-reader.js';
import { HandshakeRefused, type ReplyFrame, TestClient } from '../support/ws-client.js';

/**
 * Limits on everything (issue 17), against the local cloud with small configured limits:
 * - every action class has a per-user limit (RATE_LIMITED `userRate` with `retryAfterMs`), for all
 *   of a user's devices together, and it leaves other users alone;
 * - at most MAX_CONNECTIONS_PER_USER live connections per user: the next handshake gets 429, and
 *   a closed connection makes room again;
 * - a connection whose token expired is closed (`closing` tokenExpired, then a close) at its next
 *   action, which is not carried out, and by the scheduled sweeper when it only sends heartbeats;
 * - a token valid for longer than MAX_TOKEN_LIFETIME_SECONDS gets 401; a browser Origin outside
 *   ALLOWED_ORIGINS gets 403, a handshake without Origin passes;
 * - /dev/* answers only a loopback Host (421 otherwise), and /dev/token's `ttl` is honoured.
 *
 * One function instance per function (maxConcurrencyPerFunction 1): the in-memory classes are
 * counted per instance, which is what the bound in docs/protocol-notes.md says.
 */
const LIMIT = 2;
const tag = `${process.pid}-${Date.now().toString(36)}`;
const user = (name: string): string => `${name}-${tag}`;
const dm = (a: string, b: string): string => `dm:${[a, b].sort().join(':')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('limits on every action, connection and token', () => {
  let cloud: LocalCloud;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    cloud = await startTestCloud({
      maxConcurrencyPerFunction: 1,
      // The sweeper runs when a test says so (schedules.runNow), not on its own minute.
      runSchedules: false,
      functionEnvironment: {
        USER_RATE_LIMITS: JSON.stringify(Object.fromEntries(USER_RATE_CLASS_NAMES.map((name) => [name, LIMIT]))),
        MAX_CONNECTIONS_PER_USER: '2',
        // A record whose connection answers 410 is kept this long (it may still be in $connect).
        CONNECT_GRACE_MS: '1000',
        MAX_TOKEN_LIFETIME_SECONDS: '3600',
        ALLOWED_ORIGINS: 'https://chat.example.com,http://localhost:*',
      },
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  const connect = async (userId: string, options: { ttlSeconds?: number; device?: string } = {}): Promise<TestClient> => {
    // An hour by default: MAX_TOKEN_LIFETIME_SECONDS is 3600 here, so the 24-hour default dev token is refused.
    const token = await cloud.devToken(userId, { ttlSeconds: options.ttlSeconds ?? 3600 });
    const client = await TestClient.connect(cloud.url, options.device ? { token, device: options.device } : { token });
    clients.push(client);
    return client;
  };

  /** One valid request of each class (valid frames: only those count; what the action then answers does not matter). */
  const frameOf = (rateClass: UserRateClass, self: string, other: string): [string, Record<string, unknown>] => {
    const conversationId = dm(self, other);
    switch (rateClass) {
      case 'groupChanges':
        return ['createGroup', { title: 'limited', members: [] }];
      case 'typing':
        return ['typing', { conversationId }];
      case 'presence':
        return ['presence', { users: [other] }];
      case 'reads':
        return ['read', { conversationId, upTo: 1 }];
      case 'sync':
        return ['sync', { after: 0, limit: 10 }];
      case 'messageChanges':
        return ['deleteForMe', { conversationId, conversationSeqs: [1] }];
      case 'safety':
        return ['block', { userId: other }];
      case 'attachments':
        return ['attachmentDownload', { conversationId, conversationSeq: 1 }];
      case 'settings':
        return ['mute', { conversationId, until: null }];
    }
  };

  it('has a per-user limit for every action class, over all devices together, refused with RATE_LIMITED userRate and a retry hint', async () => {
    // The durable class (group changes) counts per calendar minute: start early in one.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 40_000) await sleep(60_000 - intoMinute + 200);
    for (const rateClass of USER_RATE_CLASS_NAMES) {
      const self = user(`lim-${rateClass}`);
      const other = user(`lim-${rateClass}-other`);
      const phone = await connect(self, { device: 'phone' });
      const laptop = await connect(self, { device: 'laptop' });
      const [action, params] = frameOf(rateClass, self, other);
      const replies: ReplyFrame[] = [];
      // Alternate the user's two devices: the limit is the user's, not a connection's.
      for (let n = 0; n < LIMIT + 2; n++) replies.push(await (n % 2 === 0 ? phone : laptop).request(action, params));
      const codes = replies.map((reply) => (reply.ok ? 'ok' : reply.error!.code));
      expect(codes.slice(0, LIMIT).includes('RATE_LIMITED'), `${rateClass}: ${codes.join(',')}`).toBe(false);
      const limited = replies.filter((reply) => reply.error?.code === 'RATE_LIMITED');
      expect(limited.length, `${rateClass} (${action}): ${codes.join(',')}`).toBeGreaterThanOrEqual(1);
      for (const reply of limited) expect(reply.error, rateClass).toMatchObject({ reason: 'userRate', retryAfterMs: expect.any(Number) });
      expect(limited.every((reply) => reply.error!.retryAfterMs! > 0)).toBe(true);
      // Another user's first requests of the same class pass.
      const bystander = await connect(user(`lim-${rateClass}-bystander`));
      const [, bystanderParams] = frameOf(rateClass, user(`lim-${rateClass}-bystander`), other);
      expect((await bystander.request(action, bystanderParams)).error?.code, rateClass).not.toBe('RATE_LIMITED');
      await Promise.all([phone.close(), laptop.close(), bystander.close()]);
      // Every class the protocol names is one this test covered.
      expect((USER_RATE_CLASSES[rateClass].actions as readonly string[]).includes(action)).toBe(true);
    }
  }, 400_000);

  it('creates no group beyond the group-change limit: the refused createGroup stored nothing', async () => {
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 40_000) await sleep(60_000 - intoMinute + 200);
    const owner = user('lim-creator');
    const client = await connect(owner);
    const replies: ReplyFrame[] = [];
    for (let n = 0; n < LIMIT + 1; n++) replies.push(await client.request('createGroup', { title: `g${n}`, members: [] }));
    expect(replies.map((reply) => (reply.ok ? 'ok' : reply.error!.code))).toEqual([...Array(LIMIT).fill('ok'), 'RATE_LIMITED']);
    const listed = await client.request('conversations', {});
    expect(listed.ok).toBe(true);
    expect((listed.data.items as { conversationId: string }[]).filter((c) => c.conversationId.startsWith('g:'))).toHaveLength(LIMIT);
  });

  it('refuses a third live connection of one user with 429, leaves other users alone, and admits one again after a close', async () => {
    const alice = user('conn-alice');
    const first = await connect(alice, { device: 'a' });
    await connect(alice, { device: 'b' });
    const refused = await connect(alice, { device: 'c' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HandshakeRefused);
    expect((refused as HandshakeRefused).status).toBe(429);
    // Another user is not affected.
    const bob = await connect(user('conn-bob'));
    expect((await bob.request('ping')).ok).toBe(true);
    // Closing one makes room once its $disconnect removed the record.
    await first.close();
    const admitted = await (async () => {
      for (;;) {
        const outcome = await connect(alice, { device: 'c' }).catch((error: unknown) => error);
        if (outcome instanceof TestClient) return outcome;
        expect((outcome as HandshakeRefused).status).toBe(429);
        await sleep(200);
      }
    })();
    expect((await admitted.request('ping')).ok).toBe(true);
  });

  it('does not let connections whose $disconnect was lost hold seats: at the cap, API Gateway is asked which are open', async () => {
    const carol = user('conn-carol');
    cloud.gateway.faults.loseDisconnects();
    try {
      const vanished = [await connect(carol, { device: 'a' }), await connect(carol, { device: 'b' })];
      for (const client of vanished) client.socket.terminate();
      await Promise.all(vanished.map((client) => client.waitFor(() => client.closeCode !== undefined, 60_000)));
    } finally {
      cloud.gateway.faults.clear();
    }
    await sleep(1_500);
    // Both records are still there (no $disconnect ran), yet the next connection is admitted.
    const admitted = await connect(carol, { device: 'c' });
    expect((await admitted.request('ping')).ok).toBe(true);
    await admitted.close();
  });

  /** Waits until `exp` of a token minted now with `ttlSeconds` has surely passed. */
  const waitPastExpiry = async (mintedAt: number, ttlSeconds: number) => {
    const expiry = (Math.floor(mintedAt / 1000) + ttlSeconds) * 1000;
    while (Date.now() <= expiry + 1_000) await sleep(expiry + 1_100 - Date.now());
  };

  it('closes a connection whose token expired at its next action: closing tokenExpired first, and the action is not carried out', async () => {
    const sender = user('exp-sender');
    const recipient = user('exp-recipient');
    const mintedAt = Date.now();
    const client = await connect(sender, { ttlSeconds: 3 });
    const other = await connect(recipient);
    expect((await client.request('ping')).ok).toBe(true);
    await waitPastExpiry(mintedAt, 3);
    // The send gets no reply: the connection is gone by the time the reply would travel.
    void client.request('send', { clientMsgId: 'after-expiry', to: recipient, body: { kind: 'text', text: 'too late' } }).catch(() => undefined);
    const closing = await client.waitForEvent('closing', () => true, 60_000);
    expect(closing.data).toEqual({ reason: 'tokenExpired', retry: true });
    await client.waitFor(() => client.closeCode !== undefined, 60_000);
    // API Gateway's DeleteConnection closes with 1000 (it offers no other code).
    expect(client.closeCode).toBe(1000);
    const received = await syncAll(other);
    expect(received.filter((item) => item.message?.from === sender)).toEqual([]);
    // A fresh token connects again.
    const again = await connect(sender);
    expect((await again.request('ping')).ok).toBe(true);
  });

  it('closes a connection that only sends heartbeats once its token expired, by the scheduled sweeper, and leaves valid ones open', async () => {
    const mintedAt = Date.now();
    const idle = await connect(user('sweep-idle'), { ttlSeconds: 3 });
    const valid = await connect(user('sweep-valid'));
    const heartbeat = async (): Promise<void> => {
      const seen = idle.events.length;
      idle.socket.send(JSON.stringify({ action: 'heartbeat', id: 'heartbeat' }));
      await idle.waitFor(() => idle.events.slice(seen).some((event) => event.event === 'heartbeat'));
    };
    await heartbeat();
    await waitPastExpiry(mintedAt, 3);
    // The heartbeat is answered by API Gateway itself (MOCK): it runs no code and cannot close anything.
    await heartbeat();
    expect(idle.closeCode).toBeUndefined();
    const [result] = await cloud.schedules.runNow('TokenSweeper');
    expect(result).toMatchObject({ closed: 1 });
    const closing = await idle.waitForEvent('closing', () => true, 30_000);
    expect(closing.data).toEqual({ reason: 'tokenExpired', retry: true });
    await idle.waitFor(() => idle.closeCode !== undefined, 30_000);
    expect(idle.closeCode).toBe(1000);
    expect(valid.closeCode).toBeUndefined();
    expect((await valid.request('ping')).ok).toBe(true);
    // Its record went with $disconnect: the next sweep finds nothing to close.
    let next: unknown;
    for (;;) {
      [next] = await cloud.schedules.runNow('TokenSweeper');
      if ((next as { closed: number; gone: number }).closed === 0) break;
      await sleep(200);
    }
    expect(next).toMatchObject({ closed: 0 });
  });

  it('refuses a token valid for longer than maxTokenLifetimeSeconds with 401 and accepts one at the limit', async () => {
    const tooLong = await cloud.devToken(user('life'), { ttlSeconds: 3601 });
    const refused = await TestClient.connect(cloud.url, { token: tooLong }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HandshakeRefused);
    expect((refused as HandshakeRefused).status).toBe(401);
    const atLimit = await connect(user('life'), { ttlSeconds: 3600 });
    expect((await atLimit.request('ping')).ok).toBe(true);
  });

  const openWithOrigin = async (origin: string | undefined): Promise<number> => {
    const token = await cloud.devToken(user('origin'), { ttlSeconds: 3600 });
    const target = new URL(cloud.url);
    target.searchParams.set('token', token);
    const socket = new WebSocket(target, origin === undefined ? {} : { origin });
    return new Promise((resolve, reject) => {
      socket.once('open', () => {
        socket.close();
        resolve(101);
      });
      socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.once('error', reject);
    });
  };

  it('checks a browser Origin against allowedOrigins (403 outside it) and lets a handshake without Origin through', async () => {
    expect(await openWithOrigin('https://evil.example')).toBe(403);
    expect(await openWithOrigin('https://chat.example.com.evil.example')).toBe(403);
    expect(await openWithOrigin('https://chat.example.com')).toBe(101);
    expect(await openWithOrigin('http://localhost:5173')).toBe(101);
    expect(await openWithOrigin(undefined)).toBe(101);
  });

  const devGet = (path: string, host: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const url = new URL(path, cloud.httpUrl);
      const request = httpRequest({ hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, headers: { host } }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject);
      request.end();
    });

  it('answers /dev/* only to a loopback Host, and signs /dev/token for ttl seconds', async () => {
    const path = `/dev/token?user=${user('dev')}`;
    expect((await devGet(path, 'evil.example')).status).toBe(421);
    expect((await devGet(path, 'evil.example:3000')).status).toBe(421);
    expect((await devGet(path, '127.0.0.1.evil.example')).status).toBe(421);
    expect((await devGet('/dev/events', 'rebound.example')).status).toBe(421);
    for (const host of ['127.0.0.1', `127.0.0.1:${cloud.port}`, 'localhost:1234', 'LOCALHOST', '[::1]:80', '[::1]']) {
      expect((await devGet(path, host)).status, host).toBe(200);
    }
    const short = await devGet(`${path}&ttl=5`, 'localhost');
    const claims = JSON.parse(Buffer.from((JSON.parse(short.body) as { token: string }).token.split('.')[1]!, 'base64url').toString()) as { exp: number; iat: number };
    expect(claims.exp - claims.iat).toBe(5);
    expect((await devGet(`${path}&ttl=0`, 'localhost')).status).toBe(400);
    expect((await devGet(`${path}&ttl=abc`, 'localhost')).status).toBe(400);
  });
});
