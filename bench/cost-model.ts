import { PRICES } from './prices.js';
import type { OperationCost } from './scenarios/measure.js';

/** Dollars of one operation, by service. */
export interface Dollars {
  dynamoDb: number;
  lambda: number;
  sqs: number;
  apiGateway: number;
  total: number;
}

const M = 1_000_000;

export function dollarsOf(cost: Pick<OperationCost, 'dynamo' | 'lambdaInvocations' | 'lambdaGbSeconds' | 'sqsBilled' | 'wsIn' | 'wsOut'>, extraWsOut = 0): Dollars {
  const p = PRICES.aws;
  const dynamoDb = (cost.dynamo.billedWrite * p.dynamoDb.perMillionWriteRequestUnits + cost.dynamo.billedRead * p.dynamoDb.perMillionReadRequestUnits) / M;
  const lambda = (cost.lambdaInvocations * p.lambda.perMillionRequests) / M + cost.lambdaGbSeconds * p.lambda.perGbSecondArm64;
  const sqs = (cost.sqsBilled.total * p.sqs.fifoPerMillionRequests) / M;
  const apiGateway = ((cost.wsIn + cost.wsOut + extraWsOut) * p.apiGatewayWebSocket.perMillionMessages) / M;
  return { dynamoDb, lambda, sqs, apiGateway, total: dynamoDb + lambda + sqs + apiGateway };
}

/** A server API call: what it causes, priced like any operation, plus its HTTP API request. */
export function httpRouteDollars(cost: Parameters<typeof dollarsOf>[0]): Dollars {
  const base = dollarsOf(cost);
  const request = PRICES.aws.apiGatewayHttp.perMillionRequests / M;
  return { ...base, apiGateway: base.apiGateway + request, total: base.total + request };
}

export const scaleDollars = (d: Dollars, factor: number): Dollars => ({
  dynamoDb: d.dynamoDb * factor,
  lambda: d.lambda * factor,
  sqs: d.sqs * factor,
  apiGateway: d.apiGateway * factor,
  total: d.total * factor,
});

export const addDollars = (...all: Dollars[]): Dollars =>
  all.reduce((s, d) => ({ dynamoDb: s.dynamoDb + d.dynamoDb, lambda: s.lambda + d.lambda, sqs: s.sqs + d.sqs, apiGateway: s.apiGateway + d.apiGateway, total: s.total + d.total }), {
    dynamoDb: 0,
    lambda: 0,
    sqs: 0,
    apiGateway: 0,
    total: 0,
  });

/** A month of a deployment: who is connected, how much they write. */
export interface ActivityProfile {
  name: string;
  users: number;
  /** Share of users connected at any time (1 = always on). */
  connectedShare: number;
  messagesPerUserPerDay: number;
  /** Share of messages sent to groups (the rest are direct). */
  groupShare: number;
  averageGroupSize: number;
  /** The SDK's keep-alive interval: each tick is a one-way `keepAlive` or, on a silent link, a `heartbeat`. */
  keepAliveIntervalMinutes: number;
  /**
   * A link that received nothing this long gets a `heartbeat` (answered) instead: the profile
   * assumes a silent link (nothing pushed between ticks), the most heartbeats there can be.
   */
  probeSilenceMinutes: number;
  /** API Gateway closes a connection after 2 hours: a reconnect ($disconnect + $connect) per 2 h. */
  reconnectsPerDay: number;
}

export const DAYS_PER_MONTH = 30;

/** The v1 SDK's ping interval, to show what heartbeats save. */
export const V1_PING_INTERVAL_MINUTES = 4.5;

export const PROFILES: ActivityProfile[] = [1_000, 10_000, 100_000].map((users) => ({
  name: `${users.toLocaleString('en-US')} users`,
  users,
  connectedShare: 1,
  messagesPerUserPerDay: 40,
  groupShare: 0.3,
  averageGroupSize: 10,
  keepAliveIntervalMinutes: 8,
  probeSilenceMinutes: 16,
  reconnectsPerDay: 12,
}));

export interface MonthlyInputs {
  direct: OperationCost;
  /** For the v1 comparison only: the SDK no longer pings. */
  ping: OperationCost;
  /** The `heartbeat` frame and API Gateway's answer: no Lambda, no DynamoDB. */
  heartbeat: OperationCost;
  /** The one-way `keepAlive` frame: one message in, nothing back. */
  keepAlive: OperationCost;
  connect: OperationCost;
  disconnect: OperationCost;
  /** Group message cost measured closest to the profile's average group size. */
  group: OperationCost & { members: number; onlineMembers: number };
}

export interface MonthlyEstimate {
  profile: ActivityProfile;
  groupSizeUsed: number;
  counts: { directMessages: number; groupMessages: number; keepAlives: number; heartbeats: number; reconnects: number; connectionMinutes: number };
  aws: { messages: Dollars; keepAlive: Dollars; reconnects: Dollars; connectionMinutes: number; sqsPollers: number; total: number };
  /** What keep-alive cost before heartbeats: a ping every 4.5 minutes (the v1 SDK), for comparison. */
  keepAliveWithPingsOnly: Dollars;
  ably: { messages: number; connectionMinutes: number; messageCount: number; total: number };
}

/** Empty long polls of the Lambda service's SQS pollers: ~5 pollers x 3 polls a minute (20 s waits), around the clock. */
export const SQS_IDLE_POLLS_PER_MONTH = 5 * 3 * 60 * 24 * DAYS_PER_MONTH;

export function monthlyEstimate(profile: ActivityProfile, inputs: MonthlyInputs): MonthlyEstimate {
  const messages = profile.users * profile.messagesPerUserPerDay * DAYS_PER_MONTH;
  const groupMessages = messages * profile.groupShare;
  const directMessages = messages - groupMessages;
  const connectionMinutes = profile.users * profile.connectedShare * DAYS_PER_MONTH * 24 * 60;
  const ticks = connectionMinutes / profile.keepAliveIntervalMinutes;
  // On a silent link a probe's answer restarts the silence: every ceil(probe / interval)-th tick is one.
  const heartbeats = ticks / Math.max(1, Math.ceil(profile.probeSilenceMinutes / profile.keepAliveIntervalMinutes));
  const keepAlives = ticks - heartbeats;
  const reconnects = profile.users * profile.connectedShare * profile.reconnectsPerDay * DAYS_PER_MONTH;
  // Every member is online in this profile: pushes to all other members, not only the few the bench kept online.
  const groupExtraPushes = Math.max(0, profile.averageGroupSize - inputs.group.onlineMembers);
  const messageDollars = addDollars(scaleDollars(dollarsOf(inputs.direct), directMessages), scaleDollars(dollarsOf(inputs.group, groupExtraPushes), groupMessages));
  const keepAlive = addDollars(scaleDollars(dollarsOf(inputs.keepAlive), keepAlives), scaleDollars(dollarsOf(inputs.heartbeat), heartbeats));
  const keepAliveWithPingsOnly = scaleDollars(dollarsOf(inputs.ping), connectionMinutes / V1_PING_INTERVAL_MINUTES);
  const reconnectDollars = scaleDollars(addDollars(dollarsOf(inputs.connect), dollarsOf(inputs.disconnect)), reconnects);
  const connectionMinuteDollars = (connectionMinutes * PRICES.aws.apiGatewayWebSocket.perMillionConnectionMinutes) / M;
  const sqsPollers = (SQS_IDLE_POLLS_PER_MONTH * PRICES.aws.sqs.fifoPerMillionRequests) / M;
  const awsTotal = messageDollars.total + keepAlive.total + reconnectDollars.total + connectionMinuteDollars + sqsPollers;
  // Ably: a publish is one message in, each delivery to a subscriber one message out.
  const ablyMessageCount = directMessages * (1 + 1) + groupMessages * (1 + (profile.averageGroupSize - 1));
  const ablyMessages = (ablyMessageCount * PRICES.ably.perMillionMessages) / M;
  const ablyConnectionMinutes = (connectionMinutes * PRICES.ably.perMillionConnectionMinutes) / M;
  return {
    profile,
    groupSizeUsed: inputs.group.members,
    counts: { directMessages, groupMessages, keepAlives, heartbeats, reconnects, connectionMinutes },
    aws: { messages: messageDollars, keepAlive, reconnects: reconnectDollars, connectionMinutes: connectionMinuteDollars, sqsPollers, total: awsTotal },
    keepAliveWithPingsOnly,
    ably: { messages: ablyMessages, connectionMinutes: ablyConnectionMinutes, messageCount: ablyMessageCount, total: ablyMessages + ablyConnectionMinutes },
  };
}
