import { randomBytes } from 'node:crypto';
import { ERASED_USER_ID } from '@serverless-im/protocol/server-api';
import { ServerApiError, ServerClient } from '@serverless-im/server-client';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { NO_RATE_LIMITS } from '../reliability/harness.js';
import { waitForQueuesIdle } from '../support/fan-out-idle.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { isContiguousFrom, syncAll } from '../support/timeline-reader.js';
import { HandshakeRefused, type TestClient } from '../support/ws-client.js';

/**
 * `DELETE /v1/users/{id}` (issue 16) end to end: a user with direct chats, groups (owner of one),
 * a push device, reactions and mentions is erased by the queue-driven job, and then every table
 * of the stack is scanned for their id: nothing is left, while the other members' timelines stay
 * contiguous and show the tombstone sender (anonymize) or no content (recall).
 */

const LOCAL = { accessKeyId: 'local', secretAccessKey: 'local' };
const TABLES = ['StorageConnections', 'MessagingTimelines', 'MessagingConversations', 'MessagingMemberships', 'MessagingClaims', 'MessagingGroupListeners', 'PushDevices'];
const text = (value: string) => ({ kind: 'text' as const, text: value });
let counter = 0;
const user = (name: string) => `${name}-${randomBytes(4).toString('hex')}-${++counter}`;

/** Sets are JSON objects by default: spell them out so a block list or a device set is searched too. */
const json = (value: unknown): string => JSON.stringify(value, (_, inner) => (inner instanceof Set ? [...inner] : inner));

async function ok(client: TestClient, action: string, params: Record<string, unknown> = {}): Promise<any> {
  const reply = await client.request(action, params);
  expect(reply.ok, `${action}: ${JSON.stringify(reply)}`).toBe(true);
  return reply.data;
}

function environment(mode: 'anonymize' | 'recall') {
  let cloud: LocalCloud;
  let db: DynamoDBDocumentClient;
  const clients: TestClient[] = [];
  const env = {
    get cloud() {
      return cloud;
    },
    server: undefined as unknown as ServerClient,
    async connect(userId: string, deviceId?: string) {
      const client = await connectAs(cloud, userId, deviceId);
      clients.push(client);
      return client;
    },
    /** Every item of every table of the stack whose stored form holds `needle`. */
    async containing(needle: string): Promise<{ table: string; item: string }[]> {
      const found: { table: string; item: string }[] = [];
      for (const table of TABLES) {
        for await (const page of paginateScan({ client: db }, { TableName: cloud.tableName(table), ConsistentRead: true })) {
          for (const item of page.Items ?? []) if (json(item).includes(needle)) found.push({ table, item: json(item) });
        }
      }
      return found;
    },
    async erasedEvents(userId: string): Promise<any[]> {
      const response = await fetch(`${cloud.httpUrl}/dev/events?source=serverless-im&detailType=user.erased`);
      const events = ((await response.json()) as { events: { event: { detail: any } }[] }).events;
      return events.map(({ event }) => event).filter((event) => event.detail.userId === userId);
    },
    /** Polls the status route until the job says done. */
    async erasedUntilDone(userId: string) {
      for (;;) {
        const { erasure } = await env.server.erasureStatus(userId);
        if (erasure.status === 'done') return erasure;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
  };
  beforeAll(async () => {
    cloud = await startTestCloud({
      functionEnvironment: { ...NO_RATE_LIMITS, ERASURE_MODE: mode },
      // A crashed slice is received again within seconds, not the template's 12 minutes.
      queueAttributes: { VisibilityTimeout: '20' },
    });
    env.server = new ServerClient({ url: cloud.httpApi!.url, credentials: LOCAL, region: 'us-east-1' });
    db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: cloud.dynamoDbEndpoint, region: cloud.model.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }));
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    db?.destroy();
    await cloud?.stop();
  });
  return env;
}

/** The user's life before the erasure: direct chats both ways, two groups (owner of one), a device, a reaction, a mention, a block. */
async function populate(env: ReturnType<typeof environment>, names: { erased: string; bob: string; carol: string; dave: string }) {
  const { erased, bob, carol, dave } = names;
  const e = await env.connect(erased, 'phone');
  const b = await env.connect(bob);
  const c = await env.connect(carol);
  await ok(e, 'registerPush', { platform: 'apns', token: randomBytes(32).toString('hex') });
  // Direct, both ways.
  await env.server.sendMessage({ from: erased, to: bob, clientMsgId: 'dm-1', body: text('hello bob') });
  await ok(b, 'send', { clientMsgId: 'dm-2', to: erased, body: text('hi there') });
  // A group the erased user owns, and one they are a member of.
  const owned = (await env.server.createGroup({ title: 'Owned', owner: erased, members: [bob, carol] })).conversationId;
  const joined = (await ok(c, 'createGroup', { title: 'Joined', members: [erased, bob] })).conversationId as string;
  const own = await ok(e, 'send', { clientMsgId: 'g-1', conversationId: owned, body: text('from the owner') });
  const mention = await ok(b, 'send', { clientMsgId: 'g-2', conversationId: joined, body: text('ping'), mentions: [erased] });
  await ok(e, 'send', { clientMsgId: 'g-3', conversationId: joined, body: text('pong') });
  await ok(e, 'react', { conversationId: joined, conversationSeq: mention.conversationSeq, emoji: '👍', on: true });
  await ok(e, 'read', { conversationId: joined, upTo: mention.conversationSeq });
  await ok(e, 'mute', { conversationId: owned, until: Date.now() + 3_600_000 });
  await ok(e, 'block', { userId: dave });
  await waitForQueuesIdle(env.cloud);
  return { e, b, c, owned, joined, ownCseq: own.conversationSeq as number };
}

describe('user erasure, erasure=anonymize (the default)', () => {
  const env = environment('anonymize');

  it('leaves nothing of the user in any table; the others keep contiguous timelines with the tombstone as sender', async () => {
    const names = { erased: user('erased'), bob: user('bob'), carol: user('carol'), dave: user('dave') };
    const { e, b, c, owned, joined, ownCseq } = await populate(env, names);
    expect((await env.containing(names.erased)).length).toBeGreaterThan(10);
    // A crash in the middle of the job (after a timeline page was handled, before it was deleted): the slice is received again and finishes.
    env.cloud.lambda.faults.inject({ functionName: 'Worker', step: 'erasure:timeline-page', action: 'crash', times: 1 });

    const started = await env.server.eraseUser(names.erased);
    expect(started.erasure).toMatchObject({ status: 'running', mode: 'anonymize', statusUrl: `/v1/users/${names.erased}/erasure` });
    // The erased device's socket is closed, and it cannot come back with its token.
    await new Promise<void>((resolve) => (e.socket.readyState === e.socket.CLOSED ? resolve() : e.socket.once('close', () => resolve())));
    await expect(env.connect(names.erased, 'phone')).rejects.toBeInstanceOf(HandshakeRefused);
    // Asking again while it runs answers the same erasure.
    const again = await env.server.eraseUser(names.erased);
    expect(again.erasure.startedAt).toBe(started.erasure.startedAt);

    const done = await env.erasedUntilDone(names.erased);
    expect(done).toMatchObject({ status: 'done', step: 'done', finishedAt: expect.any(Number) });
    await waitForQueuesIdle(env.cloud);
    await env.cloud.streams.drained({ ignore: ['DeliveryRepair'] });

    // Nothing of the user, anywhere (read from the tables, not through the API).
    expect(await env.containing(names.erased)).toEqual([]);

    // Bob: contiguous, the direct chat gone (void), the groups' messages from the tombstone.
    const bobItems = await syncAll(b);
    expect(isContiguousFrom(bobItems.map((item) => item.seq), 1)).toBe(true);
    const fromErased = bobItems.filter((item) => item.type === 'message' && item.message!.conversationId === owned && item.message!.conversationSeq === ownCseq);
    expect(fromErased).toHaveLength(1);
    expect(fromErased[0]!.message!.from).toBe(ERASED_USER_ID);
    expect(bobItems.some((item) => item.type === 'message' && item.message!.conversationId.startsWith('dm:'))).toBe(false);
    // The group they owned has a new owner, and everyone saw them leave.
    const bobGroups = await ok(b, 'conversations');
    const ownedNow = bobGroups.items.find((entry: any) => entry.conversationId === owned);
    expect(ownedNow).toBeDefined();
    expect(bobGroups.items.some((entry: any) => entry.conversationId.startsWith('dm:'))).toBe(false);
    const history = await env.server.conversationMessages(joined);
    expect(history.items.map((message) => message.from)).toContain(ERASED_USER_ID);
    expect(json(history)).not.toContain(names.erased);
    const carolItems = await syncAll(c);
    expect(isContiguousFrom(carolItems.map((item) => item.seq), 1)).toBe(true);
    expect(carolItems.filter((item) => item.type === 'system' && item.system!.event === 'memberLeft').map((item) => item.system!.by)).toEqual([ERASED_USER_ID, ERASED_USER_ID]);

    // One user.erased event, published from the record's last write that named the user.
    const events = await env.erasedEvents(names.erased);
    expect(events).toHaveLength(1);
    expect(events[0].detail).toMatchObject({ schemaVersion: 1, userId: names.erased, mode: 'anonymize', startedAt: started.erasure.startedAt });

    // Idempotent once done: the same answer, no new job.
    const after = await env.server.eraseUser(names.erased);
    expect(after.erasure).toMatchObject({ status: 'done', startedAt: started.erasure.startedAt });
    await waitForQueuesIdle(env.cloud);
    expect(await env.containing(names.erased)).toEqual([]);
    await expect(env.connect(names.erased)).rejects.toBeInstanceOf(HandshakeRefused);
  }, 600_000);

  it('refuses bad input (400), unknown users (404), and the tombstone as a user', async () => {
    await expect(env.server.eraseUser('not a user id')).rejects.toMatchObject({ status: 400 });
    await expect(env.server.erasureStatus('bad/id')).rejects.toBeInstanceOf(ServerApiError);
    await expect(env.server.eraseUser(user('nobody'))).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    await expect(env.server.erasureStatus(user('nobody'))).rejects.toMatchObject({ status: 404 });
    await expect(env.server.eraseUser(ERASED_USER_ID)).rejects.toMatchObject({ status: 404 });
    await expect(env.connect(ERASED_USER_ID)).rejects.toBeInstanceOf(HandshakeRefused);
  });

  it('two erasure requests at once start one job', async () => {
    const erased = user('twice');
    const peer = await env.connect(user('peer'));
    await ok(peer, 'send', { clientMsgId: 'x', to: erased, body: text('hello') });
    const replies = await Promise.all([env.server.eraseUser(erased), env.server.eraseUser(erased)]);
    expect(replies[0]!.erasure.startedAt).toBe(replies[1]!.erasure.startedAt);
    await env.erasedUntilDone(erased);
    await waitForQueuesIdle(env.cloud);
    await env.cloud.streams.drained({ ignore: ['DeliveryRepair'] });
    expect(await env.containing(erased)).toEqual([]);
    expect(await env.erasedEvents(erased)).toHaveLength(1);
  }, 600_000);
});

describe('user erasure, erasure=recall', () => {
  const env = environment('recall');

  it('removes the content of every message they sent, everywhere, and leaves nothing of them', async () => {
    const names = { erased: user('erased'), bob: user('bob'), carol: user('carol'), dave: user('dave') };
    const { b, c, owned, joined, ownCseq } = await populate(env, names);
    await env.server.eraseUser(names.erased);
    await env.erasedUntilDone(names.erased);
    await waitForQueuesIdle(env.cloud);
    await env.cloud.streams.drained({ ignore: ['DeliveryRepair'] });
    expect(await env.containing(names.erased)).toEqual([]);
    expect(await env.containing('from the owner')).toEqual([]);
    expect(await env.containing('pong')).toEqual([]);
    for (const client of [b, c]) {
      const items = await syncAll(client);
      expect(isContiguousFrom(items.map((item) => item.seq), 1)).toBe(true);
    }
    const owners = await env.server.conversationMessages(owned);
    const recalled = owners.items.find((message) => message.conversationSeq === ownCseq)!;
    expect(recalled).toMatchObject({ from: ERASED_USER_ID, recalled: true });
    expect(recalled).not.toHaveProperty('body');
    expect((await env.server.conversationMessages(joined)).items.filter((message) => message.from === ERASED_USER_ID).every((message) => message.recalled)).toBe(true);
    expect(await env.erasedEvents(names.erased)).toHaveLength(1);
  }, 600_000);
});
