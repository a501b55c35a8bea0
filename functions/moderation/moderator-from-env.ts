import { MODERATION_FALLBACKS, type ModerationFallback, type ModerationRequest } from '@serverless-im/protocol';
import { requiredEnv } from '../platform/env.js';
import { logger, metrics, MetricUnit } from '../platform/observability.js';
import { lambdaInvoker } from './lambda-invoker.js';
import { type Moderate, moderator, type ModerationOutcome, type ModerationSubject } from './moderate.js';

/** Logs each judgement and counts it: `Moderation` by decision, and `ModerationFallbacks` (alarm on it). */
function observe(outcome: ModerationOutcome, subject: ModerationSubject): void {
  metrics.addMetric(outcome.decision === 'fallback' ? 'ModerationFallbacks' : `Moderation${outcome.decision[0]!.toUpperCase()}${outcome.decision.slice(1)}`, MetricUnit.Count, 1);
  metrics.addMetric('ModerationLatency', MetricUnit.Milliseconds, outcome.ms);
  const context = { kind: subject.kind, msgId: subject.msgId, conversationId: subject.conversationId, ...outcome };
  if (outcome.decision === 'fallback') logger.warn('moderation failed: fallback applied', context);
  else logger.info('moderated', context);
}

const moderators = new Map<string, Moderate | undefined>();

/**
 * The moderator of this Lambda instance when the deployment names a moderation function
 * (`MODERATION_FUNCTION_ARN`, with `MODERATION_TIMEOUT_MS` and `MODERATION_FALLBACK`), else
 * undefined: nothing is moderated. The Lambda client is loaded only when moderation is on.
 */
export async function moderatorFromEnv(source: ModerationRequest['source']): Promise<Moderate | undefined> {
  if (moderators.has(source)) return moderators.get(source);
  const functionArn = process.env.MODERATION_FUNCTION_ARN;
  let moderate: Moderate | undefined;
  if (functionArn) {
    const fallback = requiredEnv('MODERATION_FALLBACK') as ModerationFallback;
    if (!MODERATION_FALLBACKS.includes(fallback)) throw new Error(`MODERATION_FALLBACK: ${fallback} is neither allow nor deny`);
    const { LambdaClient } = await import('@aws-sdk/client-lambda');
    // One attempt: a retry would invoke the function again within the same deadline.
    const client = new LambdaClient({ maxAttempts: 1 });
    moderate = moderator(lambdaInvoker(client, functionArn), { timeoutMs: Number(requiredEnv('MODERATION_TIMEOUT_MS')), fallback }, source, observe);
  }
  moderators.set(source, moderate);
  return moderate;
}
