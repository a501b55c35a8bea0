import { describe, expect, it } from 'vitest';
import { dollarsOf, monthlyEstimate, PROFILES, V1_PING_INTERVAL_MINUTES } from '../../../bench/cost-model.js';
import type { OperationCost } from '../../../bench/scenarios/measure.js';
import { DEFAULTS } from '../../../client/src/options.js';

/** An operation cost with only what the dollar model reads. */
const cost = (write: number, read: number, invocations: number, wsIn: number, wsOut: number): OperationCost =>
  ({
    dynamo: { billedWrite: write, billedRead: read },
    lambdaInvocations: invocations,
    lambdaGbSeconds: 0,
    sqsBilled: { sendMessageBatch: 0, receiveMessage: 0, deleteMessageBatch: 0, total: 0 },
    wsIn,
    wsOut,
  }) as unknown as OperationCost;

const inputs = {
  direct: cost(6, 1.5, 1, 1, 2),
  ping: cost(2, 0, 1, 1, 1),
  heartbeat: cost(0, 0, 0, 1, 1),
  keepAlive: cost(0, 0, 0, 1, 0),
  connect: cost(2, 0.5, 2, 0, 0),
  disconnect: cost(2, 0.5, 1, 0, 0),
  group: Object.assign(cost(40, 5, 2, 1, 4), { members: 10, onlineMembers: 4 }),
};

describe('monthly cost model: keep-alive', () => {
  const profile = PROFILES[0]!;
  const month = monthlyEstimate(profile, inputs);
  const minutes = profile.users * 30 * 24 * 60;

  it('makes every tick a one-way keepAlive except a heartbeat per probe interval of a silent link, and no ping', () => {
    // Assess: 43,200 minutes per user: 5,400 ticks at 8 min; a silent link probes every 16 min: 2,700 heartbeats.
    expect(month.counts.connectionMinutes).toBe(minutes);
    expect(month.counts.heartbeats).toBeCloseTo(minutes / profile.probeSilenceMinutes, 6);
    expect(month.counts.keepAlives).toBeCloseTo(minutes / profile.keepAliveIntervalMinutes - minutes / profile.probeSilenceMinutes, 6);
    expect(month.aws.keepAlive.total).toBeCloseTo(
      month.counts.keepAlives * dollarsOf(inputs.keepAlive).total + month.counts.heartbeats * dollarsOf(inputs.heartbeat).total,
      9,
    );
    // Neither runs a Lambda: the keep-alive's share is API Gateway messages only.
    expect(month.aws.keepAlive.lambda).toBe(0);
  });

  it('keeps the v1 figure (a ping every 4.5 minutes) to compare against, and it costs more', () => {
    expect(month.keepAliveWithPingsOnly.total).toBeCloseTo((minutes / V1_PING_INTERVAL_MINUTES) * dollarsOf(inputs.ping).total, 9);
    expect(month.keepAliveWithPingsOnly.total).toBeGreaterThan(month.aws.keepAlive.total);
  });

  it('prices the SDK’s own keep-alive, below API Gateway’s 10-minute idle timeout with a minute for late timers', () => {
    for (const p of PROFILES) {
      expect(p.keepAliveIntervalMinutes * 60_000).toBe(DEFAULTS.pingIntervalMs);
      expect(p.probeSilenceMinutes * 60_000).toBe(DEFAULTS.probeSilenceMs);
      expect(p.keepAliveIntervalMinutes).toBeLessThanOrEqual(9);
      expect(p.probeSilenceMinutes % p.keepAliveIntervalMinutes).toBe(0);
    }
  });
});
