import type { BatchResultErrorEntry } from '@aws-sdk/client-sqs';
import { InternalError } from '../errors/service-error.js';

/**
 * SQS kept refusing some notification jobs after retries (or the request failed); the batch that
 * produced them is retried. `enqueued`: how many of the jobs, in order, are surely on the queue.
 */
export class NotificationJobsRefusedError extends InternalError<'NOTIFICATION_JOBS_REFUSED'> {
  override readonly code = 'NOTIFICATION_JOBS_REFUSED';

  constructor(
    readonly failed: readonly BatchResultErrorEntry[],
    readonly enqueued = 0,
    cause?: unknown,
  ) {
    super(failed.length > 0 ? `SQS refused ${failed.length} notification job(s): ${JSON.stringify(failed)}` : 'enqueueing notification jobs failed', cause === undefined ? {} : { cause });
  }
}

/** Another attempt claimed a notification less than a lease ago and may still publish it: retry later. */
export class PushClaimBusyError extends InternalError<'PUSH_CLAIM_BUSY'> {
  override readonly code = 'PUSH_CLAIM_BUSY';

  constructor(readonly claimId: string) {
    super(`notification ${claimId} is claimed by an attempt that may still be running`);
  }
}

/** Publishing to some devices failed (not a gone device: SNS or the network); the job is retried for them. */
export class DevicesFailedError extends InternalError<'DEVICES_FAILED'> {
  override readonly code = 'DEVICES_FAILED';

  constructor(readonly failures: { deviceId: string; error: unknown }[]) {
    super(`${failures.length} device(s) failed: ${failures.map((f) => `${f.deviceId} (${(f.error as Error)?.name ?? f.error})`).join(', ')}`, {
      cause: failures[0]?.error,
    });
  }
}

/** SNS answered something the endpoint recipe does not expect (an endpoint conflict without its ARN). */
export class UnexpectedSnsAnswerError extends InternalError<'UNEXPECTED_SNS_ANSWER'> {
  override readonly code = 'UNEXPECTED_SNS_ANSWER';
}
