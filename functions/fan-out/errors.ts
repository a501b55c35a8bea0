import type { BatchResultErrorEntry } from '@aws-sdk/client-sqs';
import { InternalError } from '../errors/service-error.js';

/** One or more recipients of a job could not be served; the job is retried (SQS redelivery). */
export class RecipientsFailedError extends InternalError<'RECIPIENTS_FAILED'> {
  override readonly code = 'RECIPIENTS_FAILED';

  constructor(readonly failures: { userId: string; error: unknown }[]) {
    super(`${failures.length} recipient(s) failed: ${failures.map((f) => `${f.userId} (${(f.error as Error)?.name ?? f.error})`).join(', ')}`, {
      cause: failures[0]?.error,
    });
  }
}

/** SQS kept refusing some fan-out jobs after retries; the send fails and the client retries it. */
export class JobsRefusedError extends InternalError<'JOBS_REFUSED'> {
  override readonly code = 'JOBS_REFUSED';

  constructor(readonly failed: readonly BatchResultErrorEntry[]) {
    super(`SQS refused ${failed.length} fan-out job(s): ${JSON.stringify(failed)}`);
  }
}

/**
 * The batch had too little time left to start this job: it goes back to the queue untouched
 * (with the rest of its message group) instead of being cut off by the function's timeout.
 */
export class JobDeferredError extends InternalError<'JOB_DEFERRED'> {
  override readonly code = 'JOB_DEFERRED';

  constructor(readonly remainingMs: number) {
    super(`deferred: ${remainingMs} ms left in this invocation`);
  }
}
