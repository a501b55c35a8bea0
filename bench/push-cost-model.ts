import { type Dollars, dollarsOf } from './cost-model.js';
import { PRICES } from './prices.js';
import type { OperationCost } from './scenarios/measure.js';

/**
 * What offline push notifications add to a message, from measured costs of the notification
 * pipeline only (stream dispatcher, queue, worker; the send itself is costed elsewhere):
 * - `noDevice`: the recipient registered no push token (the worker finds no device and stops);
 * - `connected`: the recipient's device is registered and connected (no publish);
 * - `offline`: the recipient's one registered device is offline (one SNS Publish).
 */
export interface PushPipelineCosts {
  noDevice: OperationCost & { publishes: number };
  connected: OperationCost & { publishes: number };
  offline: OperationCost & { publishes: number };
}

export interface PushDollars {
  /** One notification published to an offline device, all-in (pipeline + SNS). */
  perNotification: Dollars & { sns: number };
  perMessage: { noDevice: number; connected: number; offline: number };
  /** Per million direct messages whose recipient has a registered device, by the share of them offline. */
  perMillionByOfflineShare: { offlineShare: number; dollars: number; notifications: number }[];
}

const M = 1_000_000;

export const pipelineDollars = (cost: OperationCost & { publishes: number }): Dollars & { sns: number } => {
  const base = dollarsOf(cost);
  const sns = (cost.publishes * PRICES.aws.sns.perMillionMobilePushes) / M;
  return { ...base, sns, total: base.total + sns };
};

/** Per million messages: `offlineShare` of recipients (with a registered device) are offline, the rest connected. */
export function perMillionMessages(costs: PushPipelineCosts, offlineShare: number): { dollars: number; notifications: number } {
  if (offlineShare < 0 || offlineShare > 1) throw new RangeError('offlineShare is a share, from 0 to 1');
  const offline = pipelineDollars(costs.offline).total;
  const connected = pipelineDollars(costs.connected).total;
  return { dollars: M * (offlineShare * offline + (1 - offlineShare) * connected), notifications: M * offlineShare * costs.offline.publishes };
}

export const OFFLINE_SHARES = [0, 0.1, 0.25, 0.5, 0.75, 1];

export function pushDollars(costs: PushPipelineCosts, shares: readonly number[] = OFFLINE_SHARES): PushDollars {
  const perNotification = pipelineDollars(costs.offline);
  return {
    perNotification,
    perMessage: { noDevice: pipelineDollars(costs.noDevice).total, connected: pipelineDollars(costs.connected).total, offline: perNotification.total },
    perMillionByOfflineShare: [...new Set(shares)].sort((a, b) => a - b).map((offlineShare) => ({ offlineShare, ...perMillionMessages(costs, offlineShare) })),
  };
}
