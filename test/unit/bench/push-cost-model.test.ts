import { describe, expect, it } from 'vitest';
import { perMillionMessages, pipelineDollars, pushDollars, type PushPipelineCosts } from '../../../bench/push-cost-model.js';
import type { OperationCost } from '../../../bench/scenarios/measure.js';

/** A pipeline cost with only what the dollar model reads. */
const cost = (write: number, read: number, invocations: number, sqs: number, publishes: number): OperationCost & { publishes: number } =>
  ({
    dynamo: { billedWrite: write, billedRead: read },
    lambdaInvocations: invocations,
    lambdaGbSeconds: 0,
    sqsBilled: { sendMessageBatch: 0, receiveMessage: 0, deleteMessageBatch: 0, total: sqs },
    wsIn: 0,
    wsOut: 0,
    publishes,
  }) as unknown as OperationCost & { publishes: number };

const costs: PushPipelineCosts = { noDevice: cost(0, 0.5, 2, 3, 0), connected: cost(0, 1, 2, 3, 0), offline: cost(2, 2.5, 2, 3, 1) };

describe('push cost model', () => {
  it('prices one notification: DynamoDB, Lambda, SQS and the SNS publish', () => {
    // Act
    const dollars = pipelineDollars(costs.offline);
    // Assess: 2 WRU × 0.625 + 2.5 RRU × 0.125 + 2 × 0.2 + 3 × 0.5 + 1 × 0.5, per million.
    expect(dollars.total * 1e6).toBeCloseTo(1.25 + 0.3125 + 0.4 + 1.5 + 0.5, 6);
    expect(dollars.sns * 1e6).toBeCloseTo(0.5, 6);
  });

  it('per million messages moves linearly from all connected to all offline', () => {
    // Act
    const none = perMillionMessages(costs, 0);
    const all = perMillionMessages(costs, 1);
    const half = perMillionMessages(costs, 0.5);
    // Assess
    expect(none.notifications).toBe(0);
    expect(all.notifications).toBe(1_000_000);
    expect(half.dollars).toBeCloseTo((none.dollars + all.dollars) / 2, 6);
    expect(all.dollars).toBeCloseTo(pipelineDollars(costs.offline).total * 1e6, 6);
    expect(() => perMillionMessages(costs, 1.5)).toThrow(RangeError);
  });

  it('reports the shares asked for, once each, in order', () => {
    expect(pushDollars(costs, [0.5, 0, 0.5, 0.2]).perMillionByOfflineShare.map((row) => row.offlineShare)).toEqual([0, 0.2, 0.5]);
  });
});
