import type { BenchCloud, TestClient } from '../support.js';
import { closeAll, log, percentile, round, sleep } from '../support.js';
import { averageCost, type OperationCost } from './measure.js';
import { type BuiltGroup, measureGroupMessages } from './message-costs.js';

export interface LatencyPhase {
  label: string;
  concurrency: number;
  durationSeconds: number;
  sent: number;
  acknowledged: number;
  pushed: number;
  failed: number;
  /** Acknowledged messages per second over the phase. */
  messagesPerSecond: number;
  sendToReplyMs: { p50: number; p95: number; p99: number; max: number };
  sendToPushMs: { p50: number; p95: number; p99: number; max: number };
}

export interface DirectLatency {
  connectedClients: number;
  connectSeconds: number;
  phases: LatencyPhase[];
}

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: round(percentile(sorted, 50), 1), p95: round(percentile(sorted, 95), 1), p99: round(percentile(sorted, 99), 1), max: round(sorted.at(-1) ?? NaN, 1) };
};

/** Pairs of users among `clients` connected clients send direct messages to each other. */
export async function measureDirectLatency(bench: BenchCloud, clientCount: number, phases: { label: string; concurrency: number; seconds: number }[]): Promise<DirectLatency> {
  const users = Array.from({ length: clientCount }, (_, i) => `lat${process.pid}-${i}`);
  const connectStarted = performance.now();
  const clients = await bench.connectMany(users, 16);
  const connectSeconds = round((performance.now() - connectStarted) / 1000, 1);
  log(`latency: ${clients.length} clients connected in ${connectSeconds} s (gateway holds ${bench.cloud.gateway.connectionCount()})`);
  const pushedAt = new Map<string, number>();
  for (const client of clients) {
    client.socket.on('message', (data) => {
      const at = performance.now();
      const text = data.toString();
      if (!text.startsWith('{"event":"message"') && !text.includes('"event":"message"')) return;
      try {
        const frame = JSON.parse(text);
        const msgId = frame?.data?.message?.msgId;
        if (frame.event === 'message' && typeof msgId === 'string' && !pushedAt.has(msgId)) pushedAt.set(msgId, at);
      } catch {
        /* not JSON */
      }
    });
  }
  const half = Math.floor(clients.length / 2);
  // Warm up: every pair exchanges one message (first message lists the conversation; cold starts).
  // A send that times out while dozens of instances start at once on this machine answers no reply
  // (API Gateway's error frame has no id): it is retried with the same clientMsgId, which is safe.
  const warm = async (p: number): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await clients[p]!.request('send', { clientMsgId: `warm-${p}`, to: users[p + half], body: { kind: 'text', text: 'warm up' } }, 20_000);
        return;
      } catch (error) {
        if (attempt >= 4) throw error;
      }
    }
  };
  for (let i = 0; i < half; i += 20) {
    await Promise.all(Array.from({ length: Math.min(20, half - i) }, (_, k) => warm(i + k)));
  }
  await sleep(500);
  const results: LatencyPhase[] = [];
  try {
    for (const phase of phases) {
      const replies: number[] = [];
      const latencies: number[] = [];
      const sentIds: { msgId: string; sentAt: number }[] = [];
      let sent = 0;
      let failed = 0;
      let pair = 0;
      const started = performance.now();
      const deadline = started + phase.seconds * 1000;
      const loop = async (): Promise<void> => {
        while (performance.now() < deadline) {
          const p = pair++ % half;
          const [from, to] = pair % 2 === 0 ? [p, p + half] : [p + half, p];
          const sentAt = performance.now();
          sent++;
          try {
            const reply = await clients[from]!.request('send', { clientMsgId: `${phase.label}-${sent}-${from}`, to: users[to], body: { kind: 'text', text: `latency ${sent}` } }, 30_000);
            if (!reply.ok) {
              failed++;
              continue;
            }
            replies.push(performance.now() - sentAt);
            sentIds.push({ msgId: reply.data.msgId, sentAt });
          } catch {
            failed++;
          }
        }
      };
      await Promise.all(Array.from({ length: phase.concurrency }, loop));
      const elapsed = (performance.now() - started) / 1000;
      // Pushes still in flight get a bounded grace period.
      const graceEnd = performance.now() + 10_000;
      while (performance.now() < graceEnd && sentIds.some((s) => !pushedAt.has(s.msgId))) await sleep(100);
      for (const s of sentIds) {
        const at = pushedAt.get(s.msgId);
        if (at !== undefined) latencies.push(at - s.sentAt);
      }
      const result: LatencyPhase = {
        label: phase.label,
        concurrency: phase.concurrency,
        durationSeconds: round(elapsed, 1),
        sent,
        acknowledged: replies.length,
        pushed: latencies.length,
        failed,
        messagesPerSecond: round(replies.length / elapsed, 1),
        sendToReplyMs: stats(replies),
        sendToPushMs: stats(latencies),
      };
      log(`latency ${phase.label}: ${result.messagesPerSecond} msg/s, push p50 ${result.sendToPushMs.p50} ms p95 ${result.sendToPushMs.p95} ms p99 ${result.sendToPushMs.p99} ms`);
      results.push(result);
      await sleep(1000);
    }
  } finally {
    await closeAll(clients);
    await sleep(1000);
  }
  return { connectedClients: clients.length, connectSeconds, phases: results };
}

export interface GroupReach {
  members: number;
  onlineMembers: number;
  connectSeconds: number;
  /** Time from send until the last online member received `groupMessage`, per sample (ms). */
  timeToLastMs: number[];
  timeToFirstMs: number[];
  medianTimeToLastMs: number;
  /** Cost of one message with this many members online (listener pages, one push per listener). */
  cost: OperationCost;
}

/** Read fan-out: how long until the last online member of a large group has the message. */
export async function measureGroupReach(bench: BenchCloud, group: BuiltGroup, online: number, samples: number): Promise<GroupReach> {
  const targets = group.members.slice(1, 1 + online);
  const connectStarted = performance.now();
  const clients: TestClient[] = await bench.connectMany(targets, 16);
  const connectSeconds = round((performance.now() - connectStarted) / 1000, 1);
  log(`reach: ${clients.length} members of the ${group.members.length}-member group online in ${connectSeconds} s`);
  try {
    await bench.idle();
    const toLast: number[] = [];
    const toFirst: number[] = [];
    const deltas = [];
    for (let i = 0; i < samples; i++) {
      const arrivals: number[] = [];
      const seen = new Set<TestClient>();
      let started = performance.now();
      const handlers = clients.map((client) => {
        const handler = (data: unknown): void => {
          const text = String(data);
          if (!text.includes('"groupMessage"') || seen.has(client)) return;
          seen.add(client);
          arrivals.push(performance.now() - started);
        };
        client.socket.on('message', handler);
        return handler;
      });
      const batch = await measureGroupMessages(bench, group, clients, 1, true, () => {
        started = performance.now();
      });
      deltas.push(...batch);
      clients.forEach((client, index) => client.socket.off('message', handlers[index]!));
      arrivals.sort((a, b) => a - b);
      toLast.push(round(arrivals.at(-1) ?? NaN, 1));
      toFirst.push(round(arrivals[0] ?? NaN, 1));
      await sleep(500);
    }
    const sorted = [...toLast].sort((a, b) => a - b);
    return {
      members: group.members.length,
      onlineMembers: clients.length,
      connectSeconds,
      timeToLastMs: toLast,
      timeToFirstMs: toFirst,
      medianTimeToLastMs: sorted[Math.floor(sorted.length / 2)]!,
      cost: averageCost(`group message, ${group.members.length} members, ${clients.length + 1} online`, bench, deltas, { pushesObserved: clients.length * deltas.length }),
    };
  } finally {
    await closeAll(clients);
    await sleep(1000);
  }
}
