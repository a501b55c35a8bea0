/**
 * A bounded soak of the local cloud: thousands of WebSocket connections held open while direct
 * messages flow at a steady rate for minutes, then a report of what was held, delivered and
 * refused, and of the local cloud's memory before and after (is anything leaking?). Loopback
 * only; it starts its own DynamoDB Local and local cloud, and stops by itself.
 *
 *   npm run soak                                         # 2000 connections, 3 minutes, 50 sends/s
 *   npm run soak -- --connections 1000 --duration 60 --rate 40
 *   SOAK_CONNECTIONS=500 SOAK_DURATION=30 SOAK_RATE=20 npm run soak
 *
 * Writes test-results/soak-<date>.json. Needs `npm run synth` first (cdk.out). Exit code 1 when a
 * send was acknowledged but its push never arrived at an open connection, or a connection was
 * lost that the soak did not close.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { startDynamoDbLocal } from '../local-cloud/dynamodb/dynamodb-local.js';
import { startLocalCloud, uniqueResourceSuffix } from '../local-cloud/local-cloud.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string' },
    duration: { type: 'string' },
    rate: { type: 'string' },
    'connect-concurrency': { type: 'string' },
    'max-in-flight': { type: 'string' },
    out: { type: 'string' },
  },
});
const setting = (name: keyof typeof values, env: string, fallback: number): number => {
  const raw = (values[name] as string | undefined) ?? process.env[env];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
};
const CONNECTIONS = Math.floor(setting('connections', 'SOAK_CONNECTIONS', 2000));
const DURATION_S = setting('duration', 'SOAK_DURATION', 180);
const RATE = setting('rate', 'SOAK_RATE', 50);
const CONNECT_CONCURRENCY = Math.floor(setting('connect-concurrency', 'SOAK_CONNECT_CONCURRENCY', 50));
const MAX_IN_FLIGHT = Math.floor(setting('max-in-flight', 'SOAK_MAX_IN_FLIGHT', 400));

const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function memory(label: string, javaPid?: number) {
  (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  let javaRssMb: number | undefined;
  if (javaPid) {
    try {
      javaRssMb = Number(execSync(`ps -o rss= -p ${javaPid}`).toString().trim()) / 1024;
    } catch {
      javaRssMb = undefined;
    }
  }
  return {
    label,
    at: new Date().toISOString(),
    rssMb: +(usage.rss / MB).toFixed(1),
    heapUsedMb: +(usage.heapUsed / MB).toFixed(1),
    heapTotalMb: +(usage.heapTotal / MB).toFixed(1),
    externalMb: +(usage.external / MB).toFixed(1),
    ...(javaRssMb !== undefined ? { dynamoDbLocalRssMb: +javaRssMb.toFixed(1) } : {}),
  };
}

function childJavaPid(): number | undefined {
  try {
    const lines = execSync(`ps -o pid=,comm= --ppid ${process.pid}`).toString().trim().split('\n');
    const java = lines.map((line) => line.trim().split(/\s+/)).find(([, comm]) => comm === 'java');
    return java ? Number(java[0]) : undefined;
  } catch {
    return undefined;
  }
}

const percentile = (sorted: number[], p: number): number | null => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);

interface Peer {
  user: string;
  socket: WebSocket;
  open: boolean;
  closedByUs: boolean;
  pushes: number;
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`[soak] ${CONNECTIONS} connections, ${DURATION_S} s, ${RATE} sends/s`);
  const dynamo = await startDynamoDbLocal();
  const javaPid = childJavaPid();
  const cloud = await startLocalCloud({ port: 0, dynamoDbEndpoint: dynamo.endpoint, resourceSuffix: uniqueResourceSuffix() });
  const memorySamples = [memory('cloud started', javaPid)];
  const errors: Record<string, number> = {};
  const countError = (key: string) => (errors[key] = (errors[key] ?? 0) + 1);
  const peers: Peer[] = [];
  const waiters = new Map<string, { sentAt: number; resolve: (reply: any) => void }>();
  let nextId = 0;
  let gatewayErrorFrames = 0;

  // Connect everyone, CONNECT_CONCURRENCY at a time.
  const connectStarted = Date.now();
  const users = [...Array(CONNECTIONS).keys()].map((index) => `soak${index}`);
  const connectOne = async (user: string): Promise<void> => {
    const token = await cloud.devToken(user);
    for (let attempt = 0; attempt < 5; attempt++) {
      const ok = await new Promise<boolean>((resolve) => {
        const socket = new WebSocket(`${cloud.url}/?token=${token}&device=soak`);
        const peer: Peer = { user, socket, open: false, closedByUs: false, pushes: 0 };
        socket.once('open', () => {
          peer.open = true;
          peers.push(peer);
          resolve(true);
        });
        socket.once('unexpected-response', (_request, response) => {
          countError(`handshake ${response.statusCode}`);
          resolve(false);
        });
        socket.once('error', () => {
          if (!peer.open) {
            countError('handshake error');
            resolve(false);
          }
        });
        socket.on('message', (data) => {
          let frame: any;
          try {
            frame = JSON.parse(data.toString());
          } catch {
            countError('non-JSON frame');
            return;
          }
          if (frame.event === 'message') peer.pushes++;
          else if (typeof frame.id === 'string' && waiters.has(frame.id)) {
            const waiter = waiters.get(frame.id)!;
            waiters.delete(frame.id);
            waiter.resolve(frame);
          } else if (frame.message) gatewayErrorFrames++;
        });
        socket.on('close', () => {
          peer.open = false;
          if (!peer.closedByUs) countError('connection lost');
        });
      });
      if (ok) return;
      await sleep(500 * (attempt + 1));
    }
  };
  for (let index = 0; index < users.length; index += CONNECT_CONCURRENCY) {
    await Promise.all(users.slice(index, index + CONNECT_CONCURRENCY).map(connectOne));
    if ((index / CONNECT_CONCURRENCY) % 10 === 0) process.stdout.write(`\r[soak] connected ${peers.length}/${CONNECTIONS}`);
  }
  const connectSeconds = (Date.now() - connectStarted) / 1000;
  console.log(`\r[soak] connected ${peers.length}/${CONNECTIONS} in ${connectSeconds.toFixed(1)} s`);
  memorySamples.push(memory('connected, before load', javaPid));

  // Sustained load: RATE direct messages per second between random connected users.
  const request = (peer: Peer, frame: Record<string, unknown>): Promise<any> => {
    const id = `s${nextId++}`;
    return new Promise((resolve) => {
      waiters.set(id, { sentAt: Date.now(), resolve });
      peer.socket.send(JSON.stringify({ ...frame, id }));
    });
  };
  const latencies: number[] = [];
  const expectedPushes = new Map<string, number>();
  let sent = 0;
  let acked = 0;
  let skippedBackpressure = 0;
  const inFlight = new Set<Promise<void>>();
  const loadStarted = Date.now();
  const loadEnds = loadStarted + DURATION_S * 1000;
  let carry = 0;
  let lastReport = Date.now();
  let lastSample = Date.now();
  let pick = 1;
  const random = () => {
    pick = (pick * 48271) % 2147483647;
    return pick / 2147483647;
  };
  while (Date.now() < loadEnds) {
    const tick = Date.now();
    carry += RATE / 10;
    while (carry >= 1) {
      carry--;
      if (inFlight.size >= MAX_IN_FLIGHT) {
        skippedBackpressure++;
        continue;
      }
      const from = peers[Math.floor(random() * peers.length)]!;
      let to = peers[Math.floor(random() * peers.length)]!;
      if (to === from) to = peers[(peers.indexOf(from) + 1) % peers.length]!;
      if (!from.open) continue;
      sent++;
      const begun = Date.now();
      const task = request(from, { action: 'send', clientMsgId: `m${sent}`, to: to.user, body: { kind: 'text', text: `soak ${sent}` } }).then((reply) => {
        if (reply.ok) {
          acked++;
          latencies.push(Date.now() - begun);
          expectedPushes.set(to.user, (expectedPushes.get(to.user) ?? 0) + 1);
        } else countError(`send ${reply.error?.code}`);
      });
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
    }
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      const open = peers.filter((peer) => peer.open).length;
      console.log(`[soak] ${((Date.now() - loadStarted) / 1000).toFixed(0)} s: sent ${sent}, acked ${acked}, in flight ${inFlight.size}, open ${open}, errors ${JSON.stringify(errors)}`);
    }
    if (Date.now() - lastSample > 30_000) {
      lastSample = Date.now();
      memorySamples.push(memory(`load +${((Date.now() - loadStarted) / 1000).toFixed(0)} s`, javaPid));
    }
    await sleep(Math.max(0, 100 - (Date.now() - tick)));
  }
  // Drain: replies and pushes still on their way.
  const drainDeadline = Date.now() + 60_000;
  while (inFlight.size > 0 && Date.now() < drainDeadline) await sleep(200);
  const unanswered = inFlight.size;
  const totalExpected = [...expectedPushes.values()].reduce((sum, count) => sum + count, 0);
  const delivered = () => peers.reduce((sum, peer) => sum + peer.pushes, 0);
  while (delivered() < totalExpected && Date.now() < drainDeadline + 30_000) await sleep(200);
  const loadSeconds = (Date.now() - loadStarted) / 1000;
  const held = peers.filter((peer) => peer.open).length;
  const missingPushes = peers.reduce((sum, peer) => sum + Math.max(0, (expectedPushes.get(peer.user) ?? 0) - peer.pushes), 0);
  memorySamples.push(memory('after load (gc)', javaPid));

  // Close everyone, then measure again: what the connections and the load left behind.
  for (const peer of peers) {
    peer.closedByUs = true;
    peer.socket.close();
  }
  await sleep(5_000);
  memorySamples.push(memory('after closing all connections (gc)', javaPid));
  const sorted = [...latencies].sort((a, b) => a - b);
  const stats = cloud.lambda.stats();
  const invocations = Object.values(stats).reduce((sum, entry) => sum + entry.invocations, 0);
  const errorLogLines = cloud.logs.filter((entry) => /"level":\s*"ERROR"/.test(entry.line)).length;
  const report = {
    date: new Date().toISOString(),
    host: { cpus: (await import('node:os')).cpus().length, node: process.version, platform: process.platform },
    settings: { connections: CONNECTIONS, durationSeconds: DURATION_S, ratePerSecond: RATE, connectConcurrency: CONNECT_CONCURRENCY, maxInFlight: MAX_IN_FLIGHT },
    connections: { opened: peers.length, heldAtEnd: held, connectSeconds: +connectSeconds.toFixed(1) },
    messages: {
      sent,
      acknowledged: acked,
      unanswered,
      skippedBackpressure,
      achievedRatePerSecond: +(acked / loadSeconds).toFixed(1),
      pushesExpected: totalExpected,
      pushesDelivered: delivered(),
      pushesMissing: missingPushes,
      ackLatencyMs: { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? null },
    },
    errors: { ...errors, gatewayErrorFrames, functionErrorLogLines: errorLogLines },
    lambda: { invocations, perFunction: stats },
    memory: memorySamples,
    wallSeconds: +((Date.now() - started) / 1000).toFixed(1),
  };
  await cloud.stop();
  await dynamo.stop();
  const out = (values.out as string | undefined) ?? path.join('test-results', `soak-${report.date.replace(/[:.]/g, '-')}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify({ ...report, lambda: { invocations } }, null, 2));
  console.log(`[soak] report written to ${out}`);
  const failed = missingPushes > 0 || (errors['connection lost'] ?? 0) > 0 || unanswered > 0;
  process.exit(failed ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error('[soak] failed:', error);
  process.exit(2);
});
