import { HEARTBEAT_FRAME, KEEP_ALIVE_FRAME } from '@serverless-im/protocol';
import type { BenchCloud, Delta, TestClient } from '../support.js';
import { closeAll, log, round, sleep } from '../support.js';
import { averageCost, type OperationCost } from './measure.js';

export interface GroupCost extends OperationCost {
  members: number;
  fanOut: 'write' | 'read';
  recipients: number;
  onlineMembers: number;
  buildSeconds: number;
}

export interface MessageCosts {
  direct: OperationCost;
  directFirstMessage: OperationCost;
  ping: OperationCost;
  heartbeat: OperationCost;
  keepAlive: OperationCost;
  connect: OperationCost;
  disconnect: OperationCost;
  groups: GroupCost[];
  largeGroupThreshold: number;
}

const text = (value: string) => ({ kind: 'text', text: value });
let seq = 0;
const clientMsgId = () => `bench-${process.pid}-${++seq}`;

async function must(client: TestClient, action: string, params: Record<string, unknown>, timeoutMs = 60_000): Promise<any> {
  const reply = await client.request(action, params, timeoutMs);
  if (!reply.ok) throw new Error(`${action} failed: ${JSON.stringify(reply.error)}`);
  return reply.data;
}

export async function measureDirectAndConnection(bench: BenchCloud, samples = 10): Promise<Pick<MessageCosts, 'direct' | 'directFirstMessage' | 'ping' | 'heartbeat' | 'keepAlive' | 'connect' | 'disconnect'>> {
  const prefix = `dm${process.pid}`;
  // $connect and $disconnect
  const connectDeltas: Delta[] = [];
  const disconnectDeltas: Delta[] = [];
  for (let i = 0; i < 5; i++) {
    const before = bench.snapshot();
    const client = await bench.connect(`${prefix}-c${i}`);
    await sleep(50);
    connectDeltas.push(bench.since(before));
    const beforeClose = bench.snapshot();
    await client.close();
    // $disconnect runs after the socket closed: wait (bounded) until it has been invoked and settled.
    for (let wait = 0; wait < 50 && !Object.keys(bench.since(beforeClose).invocations).some((fn) => fn.startsWith('Disconnect')); wait++) await sleep(100);
    await sleep(200);
    disconnectDeltas.push(bench.since(beforeClose));
  }
  const alice = await bench.connect(`${prefix}-alice`);
  const bob = await bench.connect(`${prefix}-bob`);
  await sleep(500);
  try {
    // Ping (the keep-alive heartbeat)
    const pingDeltas: Delta[] = [];
    for (let i = 0; i < 5; i++) {
      // Pings 4-5 minutes apart always move `expiresAt` (projected into the byUser index); a
      // second apart is the least that moves it here (whole seconds), so the GSI write shows.
      await sleep(1100);
      const before = bench.snapshot();
      await must(alice, 'ping', {});
      pingDeltas.push(bench.since(before));
    }
    // Heartbeat (the keep-alive API Gateway answers itself)
    const heartbeatDeltas: Delta[] = [];
    for (let i = 0; i < 5; i++) {
      const before = bench.snapshot();
      alice.events.length = 0;
      alice.socket.send(HEARTBEAT_FRAME);
      await alice.waitForEvent('heartbeat');
      heartbeatDeltas.push(bench.since(before));
    }
    // One-way keepAlive: nothing comes back to wait for, so each sample waits a while for anything
    // it might cause (a function run, a frame out) to show.
    const keepAliveDeltas: Delta[] = [];
    for (let i = 0; i < 5; i++) {
      const before = bench.snapshot();
      alice.socket.send(KEEP_ALIVE_FRAME);
      await sleep(300);
      keepAliveDeltas.push(bench.since(before));
    }
    // First message of the conversation (one-time listing cost), then steady-state messages.
    const send = async (): Promise<Delta> => {
      const before = bench.snapshot();
      const data = await must(alice, 'send', { clientMsgId: clientMsgId(), to: `${prefix}-bob`, body: text('how much does this cost?') });
      await bob.waitForEvent('message', (item) => item.message?.msgId === data.msgId);
      await sleep(20);
      return bench.since(before);
    };
    const first = await send();
    const deltas: Delta[] = [];
    for (let i = 0; i < samples; i++) deltas.push(await send());
    return {
      direct: averageCost('direct message (both online, one device each)', bench, deltas, { pushesObserved: 1 * deltas.length }),
      directFirstMessage: averageCost('first direct message of a conversation', bench, [first]),
      ping: averageCost('keep-alive ping', bench, pingDeltas),
      heartbeat: averageCost('keep-alive heartbeat', bench, heartbeatDeltas),
      keepAlive: averageCost('keep-alive keepAlive (one-way)', bench, keepAliveDeltas),
      connect: averageCost('$connect (authorizer + connect)', bench, connectDeltas),
      disconnect: averageCost('$disconnect', bench, disconnectDeltas),
    };
  } finally {
    await closeAll([alice, bob]);
  }
}

export interface BuiltGroup {
  conversationId: string;
  owner: TestClient;
  members: string[];
  buildSeconds: number;
}

/** createGroup with the first 99 members, then addMembers in calls of 100. */
export async function buildGroup(bench: BenchCloud, name: string, size: number): Promise<BuiltGroup> {
  const started = performance.now();
  const ownerId = `${name}-owner`;
  const members = Array.from({ length: size - 1 }, (_, i) => `${name}-m${i}`);
  const owner = await bench.connect(ownerId);
  const created = await must(owner, 'createGroup', { title: name, members: members.slice(0, 99) });
  const conversationId = created.conversationId as string;
  for (let start = 99; start < members.length; start += 100) {
    await must(owner, 'addMembers', { conversationId, members: members.slice(start, start + 100) }, 120_000);
    if ((start - 99) % 2000 === 0 && start > 99) log(`  ${name}: ${start + 1} members`);
  }
  await bench.idle(600_000);
  return { conversationId, owner, members: [ownerId, ...members], buildSeconds: round((performance.now() - started) / 1000, 1) };
}

/** Measures `samples` messages to an existing group, each isolated by idle queues before and after. */
export async function measureGroupMessages(bench: BenchCloud, group: BuiltGroup, online: TestClient[], samples: number, large: boolean, onSend?: () => void): Promise<Delta[]> {
  const deltas: Delta[] = [];
  const event = large ? 'groupMessage' : 'message';
  for (let i = 0; i < samples; i++) {
    await bench.idle();
    await sleep(200);
    const before = bench.snapshot();
    onSend?.();
    const data = await must(group.owner, 'send', { clientMsgId: clientMsgId(), conversationId: group.conversationId, body: text(`group message ${i}`) });
    await Promise.all(
      online.map((client) => client.waitForEvent(event, (item) => (item.message?.msgId ?? item.msgId) === data.msgId, 120_000)),
    );
    await bench.idle();
    deltas.push(bench.since(before));
  }
  return deltas;
}

export async function measureGroups(
  bench: BenchCloud,
  sizes: readonly number[],
  threshold: number,
  samplesFor: (size: number) => number,
  keep?: (size: number, group: BuiltGroup) => boolean,
): Promise<{ costs: GroupCost[]; kept: Map<number, BuiltGroup> }> {
  const costs: GroupCost[] = [];
  const kept = new Map<number, BuiltGroup>();
  for (const size of sizes) {
    log(`group of ${size}: building`);
    const group = await buildGroup(bench, `g${size}x${process.pid}`, size);
    const large = size > threshold;
    log(`group of ${size}: built in ${group.buildSeconds} s (${large ? 'read' : 'write'} fan-out); measuring`);
    // A few members online to observe pushes; everyone else offline.
    const online = await bench.connectMany(group.members.slice(1, 4));
    const deltas = await measureGroupMessages(bench, group, online, samplesFor(size), large);
    const cost = averageCost(`group message, ${size} members`, bench, deltas, { pushesObserved: online.length * deltas.length });
    costs.push({ ...cost, members: size, fanOut: large ? 'read' : 'write', recipients: size - 1, onlineMembers: online.length + 1, buildSeconds: group.buildSeconds });
    await closeAll(online);
    if (keep?.(size, group)) kept.set(size, group);
    else await group.owner.close();
    await bench.idle();
  }
  return { costs, kept };
}
