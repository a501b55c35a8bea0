import { expandLargeGroup } from './expand-large-group.js';
import type { NotificationJob } from './jobs.js';
import { type NotifyDeps, type NotifyOutcome, notifyUser } from './notify-user.js';
import { withdrawRecalled } from './withdraw.js';
import { withdrawLargeGroup } from './withdraw-large-group.js';

/** Runs one notification job and passes the last step boundary before SQS deletes it; running it again changes nothing done. */
export async function runNotificationJob(deps: NotifyDeps, job: NotificationJob): Promise<NotifyOutcome> {
  let outcome: NotifyOutcome;
  if (job.kind === 'user') {
    outcome = await notifyUser(deps, job);
  } else if (job.kind === 'withdraw') {
    outcome = { published: await withdrawRecalled(deps, job), gone: 0 };
  } else if (job.kind === 'largeGroupWithdraw') {
    await withdrawLargeGroup(deps, job);
    outcome = { published: 0, gone: 0 };
  } else {
    await expandLargeGroup(deps, job);
    outcome = { published: 0, gone: 0 };
  }
  await deps.checkpoint('push:job-done', { kind: job.kind });
  return outcome;
}
