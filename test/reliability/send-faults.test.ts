import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { waitForQueuesIdle } from '../support/fan-out-idle.js';
import { startTestCloud } from '../support/test-cloud.js';
import type { TestClient } from '../support/ws-client.js';
import {
  type AckedMessage,
  checkInvariants,
  NO_RATE_LIMITS,
  connectRobust,
  requestUntilAnswered,
  type RetryStats,
  sendUntilAcked,
  sleep,
  syncEverything,
  text,
  throttlingInspector,
} from './harness.js';

/**
 * Invariants 1-3 under faults: a send handler or fan-out worker that dies (crash = the execution
 * environment is killed; throw = the invocation fails) at every step boundary, followed by the
 * client's retry with the same clientMsgId or SQS's redelivery; DynamoDB throttling and 5xx; the
 * Management API failing, swallowing pushes, and `$disconnect` never arriving.
 */

let counter = 0;
const unique = (name: string) => `${name}-${process.pid}-${++counter}`;
const dmId = (a: string, b: string) => (a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`);

const DIRECT_STEPS = ['send:claimed', 'send:seqs-allocated', 'send:message-stored', 'send:timelines-written', 'send:pushed'];
const GROUP_STEPS = ['send:claimed', 'send:seqs-allocated', 'send:message-stored', 'send:timelines-written', 'send:enqueued'];
const FANOUT_STEPS = ['fanout:seq-allocated', 'fanout:claimed', 'fanout:item-written', 'fanout:pushed', 'fanout:job-done'];

describe('no loss, no duplicate, contiguous seq under faults', () => {
  let cloud: LocalCloud;
  const clients: TestClient[] = [];
  const connect = async (userId: string, device?: string) => {
    const client = await connectRobust(cloud, userId, device);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    // A connection record younger than CONNECT_GRACE_MS survives a 410 (its $connect may still run): 500 ms here.
    cloud = await startTestCloud({ queueAttributes: { VisibilityTimeout: '5' }, functionEnvironment: { ...NO_RATE_LIMITS, CONNECT_GRACE_MS: '500' } });
  });
  afterEach(() => {
    cloud.lambda.faults.clear();
    cloud.gateway.faults.clear();
    cloud.dynamoFrontDoor.inspectors.splice(0, cloud.dynamoFrontDoor.inspectors.length, ...baseInspectors);
  });
  let baseInspectors: typeof cloud.dynamoFrontDoor.inspectors = [];
  beforeAll(() => {
    baseInspectors = [...cloud.dynamoFrontDoor.inspectors];
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  /** Runs `perUser` messages from each sender to its peer, each sender serially (its order is its ack order). */
  async function converse(pairs: [string, string][], online: Map<string, TestClient>, perUser: number, stats: RetryStats, acked: AckedMessage[], tag: string) {
    const ackIndex = new Map<string, number>();
    const run = async (from: string, to: string) => {
      const client = online.get(from)!;
      for (let n = 0; n < perUser; n++) {
        const clientMsgId = `${tag}-${from}-${n}`;
        const reply = await sendUntilAcked(client, { clientMsgId, to, body: text(`${from}→${to} #${n}`) }, stats);
        const index = ackIndex.get(from) ?? 0;
        ackIndex.set(from, index + 1);
        acked.push({ ...reply.data, from, clientMsgId, ackIndex: index });
      }
    };
    await Promise.all(pairs.flatMap(([a, b]) => [run(a, b), run(b, a)]));
  }

  it('direct sends: a crash or a throw at every send step, then the client retries with the same clientMsgId', async () => {
    const pairs: [string, string][] = [...Array(6).keys()].map((index) => [unique(`da${index}`), unique(`db${index}`)]);
    const online = new Map<string, TestClient>();
    for (const [a, b] of pairs) {
      online.set(a, await connect(a));
      online.set(b, await connect(b));
    }
    for (const step of DIRECT_STEPS) {
      cloud.lambda.faults.inject({ functionName: 'SendHandler', step, action: 'crash', times: 1 });
      cloud.lambda.faults.inject({ functionName: 'SendHandler', step, action: 'throw', times: 1 });
    }
    const stats: RetryStats = { attempts: 0, crashed: 0, internal: 0, conflict: 0 };
    const acked: AckedMessage[] = [];
    await converse(pairs, online, 4, stats, acked, 'd');
    const fired = cloud.lambda.faults.fired.map((fault) => `${fault.step}/${fault.action}`);
    for (const step of DIRECT_STEPS) expect(fired, step).toEqual(expect.arrayContaining([`${step}/crash`, `${step}/throw`]));
    expect(stats.crashed).toBeGreaterThanOrEqual(DIRECT_STEPS.length);
    cloud.lambda.faults.clear();

    const members = new Map(pairs.map(([a, b]) => [dmId(a, b), [a, b]]));
    const result = await checkInvariants({ clients: online, members, acked, label: 'direct crash' });
    console.log('[reliability] direct send faults', { fired: fired.length, ...stats, acked: acked.length, ...result });
  });

  it('group sends and fan-out: a crash at every send step and every worker step, then retries and SQS redeliveries', async () => {
    const groups = [...Array(3).keys()].map((g) => [...Array(4).keys()].map((m) => unique(`g${g}m${m}`)));
    const online = new Map<string, TestClient>();
    for (const user of groups.flat()) online.set(user, await connect(user));
    const members = new Map<string, string[]>();
    const conversationOf = new Map<string[], string>();
    for (const group of groups) {
      const created = await online.get(group[0]!)!.request('createGroup', { title: 'faulty', members: group.slice(1) });
      expect(created.ok, JSON.stringify(created)).toBe(true);
      members.set(created.data.conversationId, group);
      conversationOf.set(group, created.data.conversationId);
    }
    await waitForQueuesIdle(cloud);
    for (const step of GROUP_STEPS) cloud.lambda.faults.inject({ functionName: 'SendHandler', step, action: 'crash', times: 1 });
    for (const step of FANOUT_STEPS) cloud.lambda.faults.inject({ functionName: 'FanOutWorker', step, action: 'crash', times: 1 });
    const victim = groups[1]![2]!;
    cloud.lambda.faults.inject({ functionName: 'FanOutWorker', step: 'fanout:item-written', action: 'throw', when: (detail) => detail.userId === victim, times: 3 });

    const stats: RetryStats = { attempts: 0, crashed: 0, internal: 0, conflict: 0 };
    const acked: AckedMessage[] = [];
    await Promise.all(
      groups.flatMap((group) =>
        group.map(async (from) => {
          const conversationId = conversationOf.get(group)!;
          for (let n = 0; n < 3; n++) {
            const clientMsgId = `g-${from}-${n}`;
            const reply = await sendUntilAcked(online.get(from)!, { clientMsgId, conversationId, body: text(`${from} #${n}`) }, stats);
            acked.push({ ...reply.data, from, clientMsgId, ackIndex: n });
          }
        }),
      ),
    );
    await waitForQueuesIdle(cloud);
    const fired = cloud.lambda.faults.fired.map((fault) => `${fault.step}/${fault.action}`);
    for (const step of [...GROUP_STEPS, ...FANOUT_STEPS]) expect(fired, step).toContain(`${step}/crash`);
    cloud.lambda.faults.clear();
    const result = await checkInvariants({ clients: online, members, acked, label: 'group crash' });
    console.log('[reliability] group send + fan-out faults', { fired: fired.length, ...stats, acked: acked.length, ...result });
  });

  it('DynamoDB throttling and 5xx on 15% of the functions\' calls lose and duplicate nothing', async () => {
    const counter = { refused: 0, seen: 0 };
    const pairs: [string, string][] = [...Array(4).keys()].map((index) => [unique(`ta${index}`), unique(`tb${index}`)]);
    const group = [...Array(4).keys()].map((index) => unique(`tg${index}`));
    const online = new Map<string, TestClient>();
    for (const user of [...pairs.flat(), ...group]) online.set(user, await connect(user));
    const created = await requestUntilAnswered(online.get(group[0]!)!, 'createGroup', { title: 'throttled', members: group.slice(1) });
    expect(created.ok).toBe(true);
    const groupId = created.data.conversationId as string;
    await waitForQueuesIdle(cloud);
    cloud.dynamoFrontDoor.inspectors.unshift(throttlingInspector(20261122, 0.15, counter));

    const stats: RetryStats = { attempts: 0, crashed: 0, internal: 0, conflict: 0 };
    const acked: AckedMessage[] = [];
    await Promise.all([
      converse(pairs, online, 4, stats, acked, 't'),
      ...group.map(async (from) => {
        for (let n = 0; n < 3; n++) {
          const clientMsgId = `tg-${from}-${n}`;
          const reply = await sendUntilAcked(online.get(from)!, { clientMsgId, conversationId: groupId, body: text(`${from} #${n}`) }, stats);
          acked.push({ ...reply.data, from, clientMsgId, ackIndex: n });
        }
      }),
      // Reads under throttling too.
      ...pairs.map(async ([a, b]) => {
        await sleep(500);
        const reply = await requestUntilAnswered(online.get(b)!, 'conversations');
        expect(reply.ok).toBe(true);
        return a;
      }),
    ]);
    await waitForQueuesIdle(cloud);
    cloud.dynamoFrontDoor.inspectors.splice(0, cloud.dynamoFrontDoor.inspectors.length, ...baseInspectors);
    expect(counter.refused).toBeGreaterThan(0);
    const members = new Map<string, string[]>([...pairs.map(([a, b]) => [dmId(a, b), [a, b]] as [string, string[]]), [groupId, group]]);
    const result = await checkInvariants({ clients: online, members, acked, label: 'throttled' });
    console.log('[reliability] DynamoDB throttling', { ...counter, ...stats, acked: acked.length, ...result });
  });

  it('Management API 410/429/500 and swallowed pushes: recipients recover everything through sync', async () => {
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map(unique) as [string, string, string];
    const a = await connect(alice);
    const before = new Set(cloud.gateway.connectionIds());
    const b = await connect(bob, 'phone');
    const bobConnection = cloud.gateway.connectionIds().find((id) => !before.has(id))!;
    const c = await connect(carol);
    const acked: AckedMessage[] = [];
    const stats: RetryStats = { attempts: 0, crashed: 0, internal: 0, conflict: 0 };
    const sendTo = async (from: TestClient, fromId: string, to: string, n: number, tag: string) => {
      const clientMsgId = `${tag}${n}`;
      const reply = await sendUntilAcked(from, { clientMsgId, to, body: text(`${tag}${n}`) }, stats);
      acked.push({ ...reply.data, from: fromId, clientMsgId, ackIndex: acked.filter((m) => m.from === fromId).length });
    };
    let n = 0;
    for (const status of [429, 500]) {
      cloud.gateway.faults.failNextPosts(status, 2);
      await sendTo(a, alice, bob, n++, 'a');
      await sendTo(c, carol, bob, n++, 'c');
    }
    cloud.gateway.faults.clear();
    cloud.gateway.faults.dropPushesTo(bobConnection);
    for (let k = 0; k < 3; k++) await sendTo(a, alice, bob, n++, 'a');
    cloud.gateway.faults.clear();
    // 410 says the connection is gone: the backend forgets it, and Bob gets no pushes until he reconnects.
    cloud.gateway.faults.failNextPosts(410, 1);
    await sendTo(a, alice, bob, n++, 'a');
    await sendTo(c, carol, bob, n++, 'c');
    cloud.gateway.faults.clear();

    // Bob's client: apply pushes while contiguous, then pull from its last contiguous seq.
    const pushedSeqs = b.events.filter((event) => event.event === 'message').map((event) => event.data.seq as number).sort((x, y) => x - y);
    let lastSeq = 0;
    for (const seq of pushedSeqs) if (seq === lastSeq + 1) lastSeq = seq;
    const pulled = await syncEverything(b, lastSeq);
    const bobHas = new Set([...pushedSeqs.filter((seq) => seq <= lastSeq), ...pulled.map((item) => item.seq)]);
    expect(bobHas.size).toBe(9);
    expect(pushedSeqs.length, 'some pushes were lost').toBeLessThan(9);

    const members = new Map([
      [dmId(alice, bob), [alice, bob]],
      [dmId(carol, bob), [carol, bob]],
    ]);
    await checkInvariants({ clients: new Map([[alice, a], [bob, b], [carol, c]]), members, acked, label: 'management api' });
    console.log('[reliability] management API faults', { pushedToBob: pushedSeqs.length, pulledByBob: pulled.length, ...stats });
  });

  it('a push that never gets an answer holds neither the send reply nor a fan-out batch', async () => {
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map(unique) as [string, string, string];
    const a = await connect(alice);
    const before = new Set(cloud.gateway.connectionIds());
    await connect(bob, 'phone');
    const hungPhone = cloud.gateway.connectionIds().find((id) => !before.has(id))!;
    const laptop = await connect(bob, 'laptop');
    const c = await connect(carol);
    cloud.gateway.faults.hangPostsTo(hungPhone);

    // Without a deadline per push, the send waited on the hung call until its function timed out.
    const direct = await a.request('send', { clientMsgId: 'hung-direct', to: bob, body: text('to a hung phone') });
    expect(direct.ok, JSON.stringify(direct)).toBe(true);
    await laptop.waitForEvent('message', (data) => data.message?.msgId === direct.data.msgId);

    const group = await a.request('createGroup', { title: 'hung', members: [bob, carol] });
    expect(group.ok, JSON.stringify(group)).toBe(true);
    const sent = await a.request('send', { clientMsgId: 'hung-group', conversationId: group.data.conversationId, body: text('group') });
    expect(sent.ok, JSON.stringify(sent)).toBe(true);
    // The fan-out job pushes to Bob's hung phone, his laptop and Carol: it finishes anyway, once.
    await laptop.waitForEvent('message', (data) => data.message?.msgId === sent.data.msgId, 60_000);
    await c.waitForEvent('message', (data) => data.message?.msgId === sent.data.msgId, 60_000);
    await waitForQueuesIdle(cloud);
    const carolCopies = (await syncEverything(c, 0)).filter((item) => item.message?.msgId === sent.data.msgId);
    expect(carolCopies).toHaveLength(1);
  });

  it('connections whose $disconnect never arrives: sends still succeed, the stale connection is dropped on its first failed push', async () => {
    const dynamo = new DynamoDBClient({ endpoint: cloud.dynamoDbEndpoint, region: cloud.model.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    try {
      const [alice, bob] = ['alice', 'bob'].map(unique) as [string, string];
      const a = await connect(alice);
      const before = new Set(cloud.gateway.connectionIds());
      const ghost = await connectRobust(cloud, bob, 'ghost');
      const ghostId = cloud.gateway.connectionIds().find((id) => !before.has(id))!;
      cloud.gateway.faults.loseDisconnects();
      await ghost.close();
      await sleep(1_000);
      cloud.gateway.faults.clear();
      const table = cloud.tableName('StorageConnections');
      const record = async () => (await dynamo.send(new GetItemCommand({ TableName: table, Key: { connectionId: { S: ghostId } }, ConsistentRead: true }))).Item;
      expect(await record(), 'the lost $disconnect left the record behind').toBeDefined();

      const acked: AckedMessage[] = [];
      for (let n = 0; n < 3; n++) {
        const reply = await sendUntilAcked(a, { clientMsgId: `lost${n}`, to: bob, body: text(`lost${n}`) });
        acked.push({ ...reply.data, from: alice, clientMsgId: `lost${n}`, ackIndex: n });
      }
      // The push to the ghost got 410 GoneException: the record is gone.
      await expect.poll(async () => (await record()) === undefined, { timeout: 20_000, interval: 200, message: 'stale connection removed after GoneException' }).toBe(true);
      const b = await connect(bob, 'phone');
      await checkInvariants({ clients: new Map([[alice, a], [bob, b]]), members: new Map([[dmId(alice, bob), [alice, bob]]]), acked, label: 'lost disconnect' });
    } finally {
      dynamo.destroy();
    }
  });
});
