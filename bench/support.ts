import { USER_RATE_CLASS_NAMES } from '@serverless-im/protocol';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { CapacityLedger, type CapacityEntry } from '../local-cloud/front-door/capacity-ledger.js';
import { startSqsFrontDoor } from '../local-cloud/front-door/sqs-front-door.js';
import { Connection } from '../local-cloud/gateway/connection.js';
import type { ManagementCall } from '../local-cloud/gateway/gateway-config.js';
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from '../local-cloud/local-cloud.js';
import { startSqsServer } from '../local-cloud/sqs/sqs-server.js';
import { waitForQueuesIdle } from '../test/support/fan-out-idle.js';
import { TestClient } from '../test/support/ws-client.js';

export { TestClient, waitForQueuesIdle };

// ---------------------------------------------------------------- process-wide frame counters
/** WebSocket frames: `in` = sent by bench clients to the gateway, `out` = sent by the gateway to clients. */
export const frameCounters = { in: 0, out: 0 };
let framesPatched = false;
function patchFrameCounters(): void {
  if (framesPatched) return;
  framesPatched = true;
  const originalSend = Connection.prototype.send;
  Connection.prototype.send = function patchedSend(this: Connection, data: string | Buffer): boolean {
    const sent = originalSend.call(this, data);
    if (sent) frameCounters.out++;
    return sent;
  };
  const wsSend = WebSocket.prototype.send;
  WebSocket.prototype.send = function patchedWsSend(this: WebSocket & { _isServer?: boolean }, ...args: unknown[]) {
    if (this._isServer === false) frameCounters.in++;
    return (wsSend as (...a: unknown[]) => void).apply(this, args);
  } as typeof WebSocket.prototype.send;
}

// ---------------------------------------------------------------- a metered local cloud
export interface Snapshot {
  ledgerMark: number;
  invocations: Record<string, number>;
  durationsMs: Record<string, number>;
  sqs: Record<string, number>;
  management: Record<string, number>;
  framesIn: number;
  framesOut: number;
  at: number;
}

export interface Delta {
  /** DynamoDB entries recorded by the front door (functions' calls). */
  entries: CapacityEntry[];
  invocations: Record<string, number>;
  /** Sum of local wall-clock invocation durations per function, ms. */
  durationsMs: Record<string, number>;
  /** SQS requests by `operation` (functions' calls and the event-source mapping's pollers). */
  sqs: Record<string, number>;
  /** Management API calls by method. */
  management: Record<string, number>;
  framesIn: number;
  framesOut: number;
  elapsedMs: number;
}

export interface BenchCloud {
  cloud: LocalCloud;
  /** logical id of a function by its physical name. */
  logicalIdOf(name: string): string;
  snapshot(): Snapshot;
  since(snapshot: Snapshot): Delta;
  connect(userId: string, device?: string): Promise<TestClient>;
  connectMany(userIds: readonly string[], concurrency?: number): Promise<TestClient[]>;
  idle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const diff = (after: Record<string, number>, before: Record<string, number>): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    const d = value - (before[key] ?? 0);
    if (d !== 0) out[key] = d;
  }
  return out;
};

export const uniqueSuffix = (): string => randomBytes(5).toString('hex').toUpperCase();

/**
 * A local cloud whose SQS traffic passes a counting proxy (so the pollers' ReceiveMessage and
 * DeleteMessageBatch are seen, not only the functions' SendMessageBatch), whose Lambda
 * invocations are timed, and whose management API calls and WebSocket frames are counted.
 */
const BENCH_LIMITS: Record<string, string> = {
  RATE_LIMIT_BURST: '1000000',
  RATE_LIMIT_PER_SECOND: '1000000',
  SEND_LIMIT_PER_MINUTE: '1000000',
  USER_RATE_LIMITS: JSON.stringify(Object.fromEntries(USER_RATE_CLASS_NAMES.map((name) => [name, 1_000_000]))),
  MAX_CONNECTIONS_PER_USER: '100000',
};

export async function startBenchCloud(dynamoDbEndpoint: string, options: LocalCloudOptions = {}): Promise<BenchCloud> {
  patchFrameCounters();
  const sqs = await startSqsServer();
  const sqsCounts: Record<string, number> = {};
  const proxy = await startSqsFrontDoor(sqs.endpoint);
  proxy.inspectors.push((call) => {
    // The bench's own idle checks sign with `test`: not part of the system's cost.
    if (call.accessKeyId !== 'test') sqsCounts[call.operation] = (sqsCounts[call.operation] ?? 0) + 1;
    return undefined;
  });
  let cloud: LocalCloud;
  try {
    cloud = await startLocalCloud({
      port: 0,
      dynamoDbEndpoint,
      sqsEndpoint: proxy.endpoint,
      resourceSuffix: uniqueSuffix(),
      limits: { idleTimeoutMs: 60 * 60 * 1000 },
      ...options,
      // The bench's owners build 10,000-member groups and its clients send far above a person's
      // rate: the limits stay in place (their counting costs what it costs), only at a height
      // the bench does not reach.
      functionEnvironment: { ...BENCH_LIMITS, ...options.functionEnvironment },
    });
  } catch (error) {
    await proxy.stop();
    await sqs.stop();
    throw error;
  }
  const invocations: Record<string, number> = {};
  const durationsMs: Record<string, number> = {};
  const logicalIds = new Map(cloud.model.functions.map((fn) => [fn.name, fn.logicalId]));
  const logicalIdOf = (name: string): string => (logicalIds.get(name) ?? name).replace(/[0-9A-F]{8}$/, '');
  const runtime = cloud.lambda;
  const originalInvoke = runtime.invoke.bind(runtime);
  runtime.invoke = async (name: string, event: unknown) => {
    const id = logicalIdOf(name);
    const started = performance.now();
    try {
      return await originalInvoke(name, event);
    } finally {
      invocations[id] = (invocations[id] ?? 0) + 1;
      durationsMs[id] = (durationsMs[id] ?? 0) + (performance.now() - started);
    }
  };
  const management: Record<string, number> = {};
  const config = (cloud.gateway as unknown as { config: { authorizeManagementCall?: (call: ManagementCall) => unknown } }).config;
  const authorize = config.authorizeManagementCall;
  config.authorizeManagementCall = (call: ManagementCall) => {
    management[call.method] = (management[call.method] ?? 0) + 1;
    return authorize ? authorize(call) : undefined;
  };

  const snapshot = (): Snapshot => ({
    ledgerMark: cloud.dynamoFrontDoor.ledger.mark(),
    invocations: { ...invocations },
    durationsMs: { ...durationsMs },
    sqs: { ...sqsCounts },
    management: { ...management },
    framesIn: frameCounters.in,
    framesOut: frameCounters.out,
    at: performance.now(),
  });
  const connect = async (userId: string, device?: string): Promise<TestClient> => {
    const token = await cloud.devToken(userId);
    return TestClient.connect(cloud.url, device ? { token, device } : { token });
  };
  return {
    cloud,
    logicalIdOf,
    snapshot,
    since: (before) => {
      const now = snapshot();
      return {
        entries: cloud.dynamoFrontDoor.ledger.since(before.ledgerMark),
        invocations: diff(now.invocations, before.invocations),
        durationsMs: diff(now.durationsMs, before.durationsMs),
        sqs: diff(now.sqs, before.sqs),
        management: diff(now.management, before.management),
        framesIn: now.framesIn - before.framesIn,
        framesOut: now.framesOut - before.framesOut,
        elapsedMs: now.at - before.at,
      };
    },
    connect,
    connectMany: async (userIds, concurrency = 16) => {
      const clients: TestClient[] = new Array(userIds.length);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < userIds.length) {
          const index = next++;
          for (let attempt = 0; ; attempt++) {
            try {
              clients[index] = await connect(userIds[index]!);
              break;
            } catch (error) {
              if (attempt >= 3) throw error;
              await sleep(200 * (attempt + 1));
            }
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, userIds.length) }, worker));
      return clients;
    },
    idle: (timeoutMs = 300_000) => waitForQueuesIdle(cloud, timeoutMs),
    stop: async () => {
      await cloud.stop();
      await proxy.stop();
      await sqs.stop();
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function closeAll(clients: readonly (TestClient | undefined)[]): Promise<void> {
  for (let i = 0; i < clients.length; i += 100) await Promise.all(clients.slice(i, i + 100).map((c) => c?.close().catch(() => undefined)));
}

// ---------------------------------------------------------------- DynamoDB units, as measured and as AWS bills
/** Tables with a GSI: Connections (byUser projects deviceId, expiresAt), Memberships (byGroup projects role, readUpTo, ownLast). */
const GSI_TABLES = ['Connections', 'Memberships'];
const SINGLE_ITEM_WRITES = /^(PutItem|UpdateItem|DeleteItem)/;

export interface UnitSummary {
  /** Read units as DynamoDB Local reports them (ReturnConsumedCapacity TOTAL). */
  measuredRead: number;
  /**
   * Write units as DynamoDB Local reports them in TOTAL: table and GSI writes together (checked by
   * `checkGsiAccounting`: a PutItem on a table with a GSI reports 2, an update of an attribute
   * the index does not project reports 1).
   */
  measuredWrite: number;
  /** Queries/Scans DynamoDB Local reported as 0 RRU (nothing matched); AWS bills 0.5 RRU minimum. */
  zeroReads: number;
  /** measuredRead + 0.5 per zero-unit Query/Scan. */
  billedRead: number;
  /** Of measuredWrite, the GSI share (derived: a small single-item write on a GSI table is 1 table WRU, the rest is the index). */
  indexWrite: number;
  /** What AWS bills: measuredWrite (GSI units are already in it). */
  billedWrite: number;
  calls: number;
  scans: number;
  byTable: Record<string, { read: number; write: number; calls: number }>;
  byCaller: Record<string, { read: number; write: number; calls: number }>;
  byOperation: Record<string, { read: number; write: number; calls: number }>;
}

export const shortTable = (table: string): string => table.replace(/^ServerlessIm-/, '').replace(/-[A-Z0-9]+$/, '').replace(/^(Storage|Messaging)/, '').replace(/[0-9A-F]{8}$/, '');

export function summarizeUnits(entries: readonly CapacityEntry[], callerName: (caller: string) => string = (c) => c): UnitSummary {
  const total = CapacityLedger.total(entries);
  const summary: UnitSummary = {
    measuredRead: total.read,
    measuredWrite: total.write,
    zeroReads: 0,
    billedRead: total.read,
    indexWrite: 0,
    billedWrite: total.write,
    calls: total.calls,
    scans: total.scans,
    byTable: {},
    byCaller: {},
    byOperation: {},
  };
  const add = (bucket: Record<string, { read: number; write: number; calls: number }>, key: string, entry: CapacityEntry): void => {
    const row = (bucket[key] ??= { read: 0, write: 0, calls: 0 });
    row.read += entry.read;
    row.write += entry.write;
    row.calls += 1;
  };
  for (const entry of entries) {
    const table = shortTable(entry.table);
    if (/^(Query|Scan)$/.test(entry.operation) && entry.read === 0) summary.zeroReads++;
    if (entry.write > 1 && SINGLE_ITEM_WRITES.test(entry.operation) && GSI_TABLES.some((name) => table.includes(name))) summary.indexWrite += entry.write - 1;
    add(summary.byTable, table, entry);
    add(summary.byCaller, callerName(entry.caller), entry);
    add(summary.byOperation, `${entry.operation} ${table}`, entry);
  }
  summary.billedRead = summary.measuredRead + 0.5 * summary.zeroReads;
  return summary;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

export function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}
