import type { BenchCloud, TestClient } from '../support.js';
import { closeAll, round, sleep } from '../support.js';
import { averageCost, type OperationCost } from './measure.js';

/**
 * Messages sent by many users at once, with every recipient online: the traffic of the monthly
 * profile. The one-message-at-a-time figures give each message a stream-consumer invocation, a
 * push job request and a worker invocation of its own; at 1k+ users, messages overlap and the
 * consumers take them in batches (the push dispatcher up to 100 stream records, SQS batches of
 * 10, the workers up to 10 jobs), which this measures instead of assuming.
 */
export interface BurstCosts {
  /** Per message, direct, both sides online. */
  direct: OperationCost & { messages: number };
  /** Per message, a write-fan-out group with every member online. */
  group: OperationCost & { members: number; onlineMembers: number; messages: number };
}

const text = (value: string) => ({ kind: 'text', text: value });
let seq = 0;
const clientMsgId = () => `burst-${process.pid}-${++seq}`;

async function must(client: TestClient, action: string, params: Record<string, unknown>): Promise<any> {
  const reply = await client.request(action, params, 120_000);
  if (!reply.ok) throw new Error(`${action} failed: ${JSON.stringify(reply.error)}`);
  return reply.data;
}

/** Scales every additive figure of a measured window to one of its `count` messages. */
function perMessage(cost: OperationCost, count: number): OperationCost {
  const k = 1 / count;
  const scaleRecord = (record: Record<string, number>) => Object.fromEntries(Object.entries(record).map(([key, value]) => [key, round(value * k, 3)]));
  const scaleBucket = <T extends Record<string, { read: number; write: number; calls: number }>>(bucket: T): T =>
    Object.fromEntries(Object.entries(bucket).map(([key, row]) => [key, { ...row, read: round(row.read * k, 3), write: round(row.write * k, 3), calls: round(row.calls * k, 3) }])) as T;
  const d = cost.dynamo;
  return {
    ...cost,
    samples: count,
    dynamo: {
      ...d,
      measuredRead: round(d.measuredRead * k, 3),
      measuredWrite: round(d.measuredWrite * k, 3),
      zeroReads: round(d.zeroReads * k, 3),
      billedRead: round(d.billedRead * k, 3),
      indexWrite: round(d.indexWrite * k, 3),
      billedWrite: round(d.billedWrite * k, 3),
      calls: round(d.calls * k, 3),
      scans: round(d.scans * k, 3),
      byTable: scaleBucket(d.byTable),
      byCaller: scaleBucket(d.byCaller),
      byOperation: scaleBucket(d.byOperation),
    },
    lambda: scaleRecord(cost.lambda),
    lambdaInvocations: round(cost.lambdaInvocations * k, 3),
    lambdaGbSeconds: round(cost.lambdaGbSeconds * k, 6),
    sqsMeasured: scaleRecord(cost.sqsMeasured),
    sqsBilled: {
      sendMessageBatch: round(cost.sqsBilled.sendMessageBatch * k, 3),
      receiveMessage: round(cost.sqsBilled.receiveMessage * k, 3),
      deleteMessageBatch: round(cost.sqsBilled.deleteMessageBatch * k, 3),
      total: round(cost.sqsBilled.total * k, 3),
    },
    management: scaleRecord(cost.management),
    managementCalls: round(cost.managementCalls * k, 3),
    wsIn: round(cost.wsIn * k, 3),
    wsOut: round(cost.wsOut * k, 3),
    ...(cost.pushesObserved !== undefined ? { pushesObserved: round(cost.pushesObserved * k, 3) } : {}),
    wallMs: round(cost.wallMs * k, 1),
  };
}

/**
 * GB-seconds from each function's invocations and a duration per invocation measured without
 * contention: many invocations at once on a 2-core machine wait for the CPU, and their wall-clock
 * durations would bill that wait.
 */
function withDurations(bench: BenchCloud, cost: OperationCost, msPerInvocation: Record<string, number>): OperationCost {
  const memory = new Map(bench.cloud.model.functions.map((fn) => [bench.logicalIdOf(fn.name), fn.memoryMb]));
  let gbSeconds = 0;
  for (const [fn, invocations] of Object.entries(cost.lambda)) {
    const ms = msPerInvocation[fn] ?? cost.lambdaMedianMsByFunction[fn] ?? 0;
    gbSeconds += invocations * (ms / 1000) * ((memory.get(fn) ?? 256) / 1024);
  }
  return { ...cost, lambdaGbSeconds: round(gbSeconds, 6), lambdaMedianMsByFunction: { ...cost.lambdaMedianMsByFunction, ...msPerInvocation } };
}

/** Every sender sends `each` messages one after another, all senders at once; resolves when every recipient device has them all. */
async function burst(
  bench: BenchCloud,
  senders: { client: TestClient; target: Record<string, string>; recipients: TestClient[] }[],
  each: number,
  event: string,
): Promise<{ cost: OperationCost; messages: number }> {
  await bench.idle(600_000);
  await sleep(300);
  const before = bench.snapshot();
  const sent = await Promise.all(
    senders.map(async ({ client, target, recipients }) => {
      const ids: string[] = [];
      for (let i = 0; i < each; i++) ids.push((await must(client, 'send', { clientMsgId: clientMsgId(), ...target, body: text(`burst ${i}`) })).msgId);
      await Promise.all(recipients.map((r) => Promise.all(ids.map((id) => r.waitForEvent(event, (item) => (item.message?.msgId ?? item.msgId) === id, 300_000)))));
      return ids.length;
    }),
  );
  await bench.idle(600_000);
  await sleep(300);
  const messages = sent.reduce((s, n) => s + n, 0);
  return { cost: averageCost(`burst of ${messages}`, bench, [bench.since(before)]), messages };
}

/**
 * `pairs` direct conversations and `groups` write-fan-out groups of `groupSize`, everyone online
 * with one device; each sender sends `each` messages, all at once. Conversations exist before the
 * window (their one-time listing cost is not a message's).
 */
export async function measureBursts(
  bench: BenchCloud,
  options: { pairs: number; groups: number; groupSize: number; each: number; msPerInvocation?: Record<string, number> },
): Promise<BurstCosts> {
  const prefix = `burst${process.pid}`;
  const opened: TestClient[] = [];
  try {
    const ids = [...Array(options.pairs * 2).keys()].map((i) => `${prefix}-d${i}`);
    const devices = await bench.connectMany(ids);
    opened.push(...devices);
    const pairs = [...Array(options.pairs).keys()].map((i) => ({ client: devices[2 * i]!, target: { to: ids[2 * i + 1]! }, recipients: [devices[2 * i + 1]!] }));
    for (const pair of pairs) await must(pair.client, 'send', { clientMsgId: clientMsgId(), ...pair.target, body: text('hello') });
    const direct = await burst(bench, pairs, options.each, 'message');

    const groups = [];
    for (let g = 0; g < options.groups; g++) {
      const memberIds = [...Array(options.groupSize).keys()].map((i) => `${prefix}-g${g}m${i}`);
      const members = await bench.connectMany(memberIds);
      opened.push(...members);
      const created = await must(members[0]!, 'createGroup', { title: `burst ${g}`, members: memberIds.slice(1) });
      groups.push({ client: members[0]!, target: { conversationId: created.conversationId as string }, recipients: members.slice(1) });
    }
    const group = await burst(bench, groups, options.each, 'message');
    const priced = (cost: OperationCost) => (options.msPerInvocation ? withDurations(bench, cost, options.msPerInvocation) : cost);
    return {
      direct: { ...priced(perMessage(direct.cost, direct.messages)), messages: direct.messages },
      group: { ...priced(perMessage(group.cost, group.messages)), members: options.groupSize, onlineMembers: options.groupSize, messages: group.messages },
    };
  } finally {
    await closeAll(opened);
  }
}
