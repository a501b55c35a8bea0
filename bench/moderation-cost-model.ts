import { PRICES } from './prices.js';

/**
 * What the moderation hook (docs/moderation.md) adds to each message and edit when a deployment
 * names a function: one synchronous Lambda invocation of the company's function (its request and
 * its compute, billed to the account that owns it), and the send function's own extra duration
 * while it waits for the answer. Not measured by the bench's cloud (the default stack has no hook):
 * priced from these assumptions, which the report prints next to the result.
 */
export interface ModerationAssumptions {
  /** The company's function: memory (MB) and billed duration per call (ms, warm). */
  functionMemoryMb: number;
  functionDurationMs: number;
  /** What the send function waits on top of the function's duration (the Invoke round trip, ms). */
  invokeOverheadMs: number;
  /** The send (and edit) function's memory (MB): it is billed while it waits. */
  sendMemoryMb: number;
}

/** A word list (examples/moderation/) answers in about a millisecond warm; the round trip is tens of ms. */
export const DEFAULT_MODERATION_ASSUMPTIONS: ModerationAssumptions = { functionMemoryMb: 128, functionDurationMs: 5, invokeOverheadMs: 15, sendMemoryMb: 256 };

export interface ModerationDollars {
  /** The function's invocation request. */
  invocation: number;
  /** The function's GB-seconds (arm64). */
  functionCompute: number;
  /** The send function's extra GB-seconds while it waits. */
  sendWait: number;
  total: number;
}

const M = 1_000_000;

/** Dollars per judged message (or edit), by part. */
export function moderationDollarsPerMessage(assumptions: ModerationAssumptions = DEFAULT_MODERATION_ASSUMPTIONS): ModerationDollars {
  const p = PRICES.aws.lambda;
  const gbSeconds = (memoryMb: number, ms: number) => (memoryMb / 1024) * (ms / 1000);
  const invocation = p.perMillionRequests / M;
  const functionCompute = gbSeconds(assumptions.functionMemoryMb, assumptions.functionDurationMs) * p.perGbSecondArm64;
  const sendWait = gbSeconds(assumptions.sendMemoryMb, assumptions.functionDurationMs + assumptions.invokeOverheadMs) * p.perGbSecondArm64;
  return { invocation, functionCompute, sendWait, total: invocation + functionCompute + sendWait };
}
