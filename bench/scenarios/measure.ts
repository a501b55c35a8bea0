import type { BenchCloud, Delta, UnitSummary } from '../support.js';
import { round, summarizeUnits } from '../support.js';

/** What one operation (a message, a ping, a connect) costs on average over its samples. */
export interface OperationCost {
  label: string;
  samples: number;
  dynamo: UnitSummary;
  /** Lambda invocations per function (logical id without hash). */
  lambda: Record<string, number>;
  lambdaInvocations: number;
  /** GB-seconds from the local wall-clock durations and each function's memory (local durations; see notes). */
  lambdaGbSeconds: number;
  lambdaMedianMsByFunction: Record<string, number>;
  /** SQS requests as seen by the counting proxy (ReceiveMessage includes empty long polls of idle pollers). */
  sqsMeasured: Record<string, number>;
  /** SQS requests used for pricing: SendMessageBatch + non-empty receives (= worker invocations) + DeleteMessageBatch. */
  sqsBilled: { sendMessageBatch: number; receiveMessage: number; deleteMessageBatch: number; total: number };
  management: Record<string, number>;
  managementCalls: number;
  /** WebSocket messages: client frames in, gateway frames out (route responses + pushes). */
  wsIn: number;
  wsOut: number;
  /** Push events received by the bench's connected clients. */
  pushesObserved?: number;
  wallMs: number;
}

/**
 * The event publisher (table streams -> EventBridge) runs after a change, asynchronously, so its
 * calls land in a window or not by timing: it is left out of every operation's numbers, and its
 * cost per event is stated in the notes (docs/events.md, "Cost").
 */
const isEventPublisher = (name: string): boolean => name.startsWith('EventsPublisher');

export function averageCost(label: string, bench: BenchCloud, measured: Delta[], extra: { pushesObserved?: number } = {}): OperationCost {
  const deltas = measured.map((d) => ({
    ...d,
    entries: d.entries.filter((entry) => !isEventPublisher(entry.caller)),
    invocations: Object.fromEntries(Object.entries(d.invocations).filter(([fn]) => !isEventPublisher(fn))),
    durationsMs: Object.fromEntries(Object.entries(d.durationsMs).filter(([fn]) => !isEventPublisher(fn))),
  }));
  const n = Math.max(1, deltas.length);
  const entries = deltas.flatMap((d) => d.entries);
  const unit = summarizeUnits(entries, (caller) => caller.replace(/[0-9A-F]{8}$/, ''));
  const scale = <T extends Record<string, { read: number; write: number; calls: number }>>(bucket: T): T => {
    for (const row of Object.values(bucket)) {
      row.read = round(row.read / n, 3);
      row.write = round(row.write / n, 3);
      row.calls = round(row.calls / n, 3);
    }
    return bucket;
  };
  const dynamo: UnitSummary = {
    measuredRead: round(unit.measuredRead / n, 3),
    measuredWrite: round(unit.measuredWrite / n, 3),
    zeroReads: round(unit.zeroReads / n, 3),
    billedRead: round(unit.billedRead / n, 3),
    indexWrite: round(unit.indexWrite / n, 3),
    billedWrite: round(unit.billedWrite / n, 3),
    calls: round(unit.calls / n, 3),
    scans: round(unit.scans / n, 3),
    byTable: scale(unit.byTable),
    byCaller: scale(unit.byCaller),
    byOperation: scale(unit.byOperation),
  };
  const sum = (pick: (d: Delta) => Record<string, number>): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const d of deltas) for (const [k, v] of Object.entries(pick(d))) out[k] = (out[k] ?? 0) + v;
    for (const k of Object.keys(out)) out[k] = round(out[k]! / n, 3);
    return out;
  };
  const lambda = sum((d) => d.invocations);
  const durations = sum((d) => d.durationsMs);
  const memory = new Map(bench.cloud.model.functions.map((fn) => [bench.logicalIdOf(fn.name), fn.memoryMb]));
  let gbSeconds = 0;
  const medians: Record<string, number> = {};
  for (const [fn, ms] of Object.entries(durations)) {
    gbSeconds += (ms / 1000) * ((memory.get(fn) ?? 256) / 1024);
    medians[fn] = round(ms / Math.max(1, lambda[fn] ?? 1), 1);
  }
  const sqsMeasured = sum((d) => d.sqs);
  const worker = Object.entries(lambda).filter(([fn]) => fn.startsWith('FanOutWorker')).reduce((s, [, v]) => s + v, 0);
  const sqsBilled = {
    sendMessageBatch: (sqsMeasured.SendMessageBatch ?? 0) + (sqsMeasured.SendMessage ?? 0),
    receiveMessage: worker,
    deleteMessageBatch: (sqsMeasured.DeleteMessageBatch ?? 0) + (sqsMeasured.DeleteMessage ?? 0),
    total: 0,
  };
  sqsBilled.total = round(sqsBilled.sendMessageBatch + sqsBilled.receiveMessage + sqsBilled.deleteMessageBatch, 3);
  const management = sum((d) => d.management);
  return {
    label,
    samples: deltas.length,
    dynamo,
    lambda,
    lambdaInvocations: round(Object.values(lambda).reduce((s, v) => s + v, 0), 3),
    lambdaGbSeconds: round(gbSeconds, 6),
    lambdaMedianMsByFunction: medians,
    sqsMeasured,
    sqsBilled,
    management,
    managementCalls: round(Object.values(management).reduce((s, v) => s + v, 0), 3),
    wsIn: round(deltas.reduce((s, d) => s + d.framesIn, 0) / n, 3),
    wsOut: round(deltas.reduce((s, d) => s + d.framesOut, 0) / n, 3),
    ...(extra.pushesObserved !== undefined ? { pushesObserved: round(extra.pushesObserved / n, 3) } : {}),
    wallMs: round(deltas.reduce((s, d) => s + d.elapsedMs, 0) / n, 1),
  };
}
