import type { BaselinePoint } from './baseline-scan-broadcast.js';
import type { Dollars, MonthlyEstimate } from './cost-model.js';
import type { PRICES } from './prices.js';
import type { PushDollars, PushPipelineCosts } from './push-cost-model.js';
import type { HandlerColdStart } from './scenarios/cold-start.js';
import type { GsiAccounting } from './scenarios/dynamodb-accounting.js';
import type { DirectLatency, GroupReach } from './scenarios/latency.js';
import type { AttachmentCost } from './scenarios/attachment-costs.js';
import type { LifecycleCost } from './scenarios/lifecycle-costs.js';
import type { MessageCosts } from './scenarios/message-costs.js';
import type { ServerApiCost } from './scenarios/server-api-costs.js';
import type { BurstCosts } from './scenarios/burst-costs.js';

export interface TargetCheck {
  name: string;
  target: string;
  measured: string;
  pass: boolean;
  note?: string;
}

export interface GroupDollars {
  members: number;
  fanOut: 'write' | 'read';
  onlineMembers: number;
  perMessage: Dollars;
  perMillionMessages: number;
  perRecipient: number;
  /** With every member online (one more push per member; design-derived). */
  perMillionAllOnline: number;
}

export interface BenchResult {
  schema: 1;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  quick: boolean;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string; loadAverage?: { start: number[]; end: number[] } };
  prices: typeof PRICES;
  costs: MessageCosts;
  groupReach: GroupReach[];
  latency: DirectLatency;
  coldStarts: HandlerColdStart[];
  /** Init of the AWS SDK clients the handlers use, alone, in a fresh process (median): the share of init that is the SDK. */
  sdkOnlyInitMs?: number;
  baseline: { assumptions: Record<string, number>; measuredScanRru: Record<number, number>; points: BaselinePoint[]; ours: { users: number; perMessage: number; label: string }[] };
  dollars: { direct: Dollars; directPerMillion: number; ping: Dollars; groups: GroupDollars[]; monthly: MonthlyEstimate[] };
  targets: TargetCheck[];
  /** An attachment message: the WebSocket side priced like a message, plus S3 requests and storage. */
  attachment?: AttachmentCost & { websocketDollars: Dollars };
  dynamoDbLocalAccounting: GsiAccounting;
  /** Edits, reactions, recalls and delivered receipts, direct, in a write-fan-out group and in a large group. */
  lifecycle?: (LifecycleCost & { dollars: Dollars })[];
  /** Offline push notifications: the pipeline's cost per message and notification, and per million messages by offline share. */
  push?: { costs: PushPipelineCosts; dollars: PushDollars };
  /** Messages sent by many users at once, everyone online: the monthly estimate's message inputs. */
  bursts?: BurstCosts & { dollars: { direct: Dollars; group: Dollars } };
  /** Server API routes per call (dollars include the HTTP API request). */
  serverApi?: (ServerApiCost & { dollars: Dollars })[];
  notes: string[];
}
