import {
  type Body,
  isAttachmentBody,
  MAX_MODERATION_REASON_CHARS,
  type ModerationFallback,
  type ModerationRequest,
  moderationResponse,
} from '@serverless-im/protocol';
import { ForbiddenError } from '../errors/request-errors.js';

/**
 * The moderation hook (docs/moderation.md): before a message or an edit is stored, the
 * deployment's moderation function judges its body. One call per stored message or edit; this
 * module knows nothing of Lambda (the invoker is injected: functions/moderation/lambda-invoker.ts
 * in the stack, a plain function in unit tests).
 */

/**
 * Calls the moderation function and resolves with its answer (parsed JSON, unchecked). Must stop
 * when `signal` aborts; it rejects when the function failed (a function error, a throttle).
 */
export type ModerationInvoker = (request: ModerationRequest, signal: AbortSignal) => Promise<unknown>;

export interface ModerationSettings {
  /** How long the answer may take (ms): later, the fallback applies. */
  timeoutMs: number;
  /** What a failure, a late answer or an answer that is no decision amounts to. */
  fallback: ModerationFallback;
}

/** What `send` and `edit` ask: the request without what the moderator adds (version, source, deadline). */
export type ModerationSubject = Omit<ModerationRequest, 'version' | 'source' | 'deadlineMs'>;

/** The body to store (the one sent, or the moderator's replacement); throws FORBIDDEN `moderated` when refused. */
export type Moderate = (subject: ModerationSubject) => Promise<Body>;

/** How one judgement went, for logs and metrics (the stack's handlers count them). */
export type ModerationOutcome =
  | { decision: 'allow' | 'replace' | 'deny'; ms: number }
  | { decision: 'fallback'; fallback: ModerationFallback; failure: 'error' | 'timeout' | 'invalid'; detail: string; ms: number };

export class ModerationTimeoutError extends Error {
  constructor(ms: number) {
    super(`the moderation function did not answer within ${ms} ms`);
    this.name = 'ModerationTimeoutError';
  }
}

const refused = (reason: string | undefined): ForbiddenError =>
  new ForbiddenError(reason ? `refused by moderation: ${reason.slice(0, MAX_MODERATION_REASON_CHARS)}` : 'refused by moderation', { reason: 'moderated' });

/** Why a replacement body cannot stand for the one sent, or undefined when it can. */
function unfitReplacement(sent: Body, replacement: Body, kind: ModerationRequest['kind']): string | undefined {
  if (kind === 'edit' && replacement.kind !== 'text' && replacement.kind !== 'custom') return 'an edit can only be replaced by a text or custom body';
  if (isAttachmentBody(sent)) {
    // The upload was checked (size, type, uploader) for this attachment: a replacement may change
    // what is shown of it (name, caption, thumbnail), never which object it is.
    if (!isAttachmentBody(replacement)) return 'an attachment message can only be replaced by the same attachment';
    if (replacement.kind !== sent.kind || replacement.attachmentId !== sent.attachmentId || replacement.size !== sent.size || replacement.contentType !== sent.contentType) {
      return 'a replacement keeps the attachment (kind, attachmentId, size, contentType)';
    }
  } else if (isAttachmentBody(replacement)) {
    return 'a text or custom message cannot be replaced by an attachment';
  }
  return undefined;
}

/** JSON with sorted keys, so two bodies compare by content. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export const sameBody = (a: Body, b: Body): boolean => canonical(a) === canonical(b);

/**
 * What a send reply adds when the stored body is not the one sent (moderation replaced it): the
 * stored body, so the sending device shows what everyone else sees. Nothing otherwise.
 */
export const storedBodyIfReplaced = (stored: Body | undefined, sent: Body): { body?: Body } =>
  stored !== undefined && !sameBody(stored, sent) ? { body: stored } : {};

/** Runs `invoke` with a deadline: aborts it and rejects once `ms` have passed, whether or not it stops. */
async function withDeadline<T>(ms: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort(new ModerationTimeoutError(ms));
      reject(new ModerationTimeoutError(ms));
    }, ms);
  });
  try {
    return await Promise.race([run(controller.signal), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The moderator of one Lambda instance: asks `invoke` within the deadline and turns its answer
 * into the body to store or a refusal. A failure, a late answer or an answer that is no decision
 * (or a replacement that fails the body schema or does not fit the message) applies the fallback.
 */
export function moderator(
  invoke: ModerationInvoker,
  settings: ModerationSettings,
  source: ModerationRequest['source'],
  observe: (outcome: ModerationOutcome, subject: ModerationSubject) => void = () => undefined,
  clock: () => number = Date.now,
): Moderate {
  return async (subject) => {
    const request: ModerationRequest = { version: 1, ...subject, source, deadlineMs: settings.timeoutMs };
    const started = clock();
    let failure: { failure: 'error' | 'timeout' | 'invalid'; detail: string };
    try {
      const answer = moderationResponse.safeParse(await withDeadline(settings.timeoutMs, (signal) => invoke(request, signal)));
      if (answer.success) {
        const decision = answer.data;
        const ms = clock() - started;
        if (decision.decision === 'allow') {
          observe({ decision: 'allow', ms }, subject);
          return subject.body;
        }
        if (decision.decision === 'deny') {
          observe({ decision: 'deny', ms }, subject);
          throw refused(decision.reason);
        }
        const unfit = unfitReplacement(subject.body, decision.body, subject.kind);
        if (!unfit) {
          observe({ decision: 'replace', ms }, subject);
          return decision.body;
        }
        failure = { failure: 'invalid', detail: unfit };
      } else {
        failure = { failure: 'invalid', detail: answer.error.issues.map((issue) => `${issue.path.join('.') || 'answer'}: ${issue.message}`).join('; ') };
      }
    } catch (error) {
      if (error instanceof ForbiddenError) throw error;
      failure = error instanceof ModerationTimeoutError ? { failure: 'timeout', detail: error.message } : { failure: 'error', detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
    observe({ decision: 'fallback', fallback: settings.fallback, ...failure, ms: clock() - started }, subject);
    if (settings.fallback === 'allow') return subject.body;
    throw new ForbiddenError('the message could not be checked by moderation; try again later', { reason: 'moderated' });
  };
}
