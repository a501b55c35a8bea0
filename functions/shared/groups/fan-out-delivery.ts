import type { Message, TimelineItem } from '../messaging/message.js';
import { connectionsOf } from '../push/connection-directory.js';
import type { Pusher } from '../push/pusher.js';
import type { Storage } from '../storage/tables.js';
import { messageRecord, systemRecord, type TimelineRecord } from '../timeline/timeline-records.js';
import { deliverOnce } from './deliver-once.js';
import type { Checkpoint } from '../messaging/checkpoints.js';
import { enqueueJobs, type FanOutJob, goLargeEnvelope, type GoLargeJob, type JobQueue, notifyEnvelope, type NotifyJob } from './fan-out-jobs.js';
import { addListeners, LISTENER_TTL_SECONDS, listenersPage, removeListener } from './group-listeners.js';
import { groupMembersPage, markMembershipsLarge } from './group-members.js';

export interface FanOutDeps {
  storage: Storage;
  pusher: Pusher;
  queue: JobQueue;
  clock: () => number;
  checkpoint: Checkpoint;
}

/** How many recipients of one job are written at once. */
const PARALLEL_RECIPIENTS = 16;
/** Listeners pushed per notification job; the rest go to a continuation job. */
const LISTENERS_PER_JOB = 500;
const MEMBERS_PER_GO_LARGE_JOB = 200;

/** One or more recipients of a job could not be served; the job is retried (SQS redelivery). */
export class RecipientsFailedError extends Error {
  constructor(readonly failures: { userId: string; error: unknown }[]) {
    super(`${failures.length} recipient(s) failed: ${failures.map((f) => `${f.userId} (${(f.error as Error)?.name ?? f.error})`).join(', ')}`);
    this.name = 'RecipientsFailedError';
  }
}

async function eachWithLimit<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<{ item: T; error: unknown }[]> {
  const failures: { item: T; error: unknown }[] = [];
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await run(item);
      } catch (error) {
        failures.push({ item, error });
      }
    }
  });
  await Promise.all(workers);
  return failures;
}

/**
 * Writes one item into each recipient's timeline and pushes it to their devices. Recipients are
 * independent: one that fails does not stop the others, and the job is retried for it; delivery
 * claims make the retry write nothing twice.
 */
async function deliverItem(
  deps: FanOutDeps,
  recipients: readonly string[],
  record: (userId: string) => Omit<TimelineRecord, 'seq'>,
  item: (seq: number) => TimelineItem,
): Promise<void> {
  const failures = await eachWithLimit(recipients, PARALLEL_RECIPIENTS, async (userId) => {
    const content = record(userId);
    const now = deps.clock();
    const seq = await deliverOnce(deps.storage, content, now, () => deps.checkpoint('fanout:seq-allocated', { userId }));
    await deps.checkpoint('fanout:item-written', { userId, kind: content.type });
    const connections = await connectionsOf(deps.storage, [userId], now);
    await deps.pusher.pushToConnections(connections, { event: 'message', data: item(seq) });
    await deps.checkpoint('fanout:pushed', { userId });
  });
  if (failures.length > 0) throw new RecipientsFailedError(failures.map(({ item: userId, error }) => ({ userId, error })));
}

async function notifyListeners(deps: FanOutDeps, job: NotifyJob): Promise<void> {
  const { listeners, cursor } = await listenersPage(deps.storage, job.conversationId, job.cursor, LISTENERS_PER_JOB);
  if (cursor) await enqueueJobs(deps.queue, [notifyEnvelope({ ...job, cursor, page: (job.page ?? 0) + 1 })]);
  const targets = listeners.filter((listener) => listener.connectionId !== job.exceptConnectionId);
  const { gone } = await deps.pusher.pushToConnections(targets, { event: 'groupMessage', data: job.message });
  await Promise.all(gone.map((connectionId) => removeListener(deps.storage, job.conversationId, connectionId)));
}

async function goLarge(deps: FanOutDeps, job: GoLargeJob): Promise<void> {
  const { members, cursor } = await groupMembersPage(deps.storage, job.conversationId, job.cursor, MEMBERS_PER_GO_LARGE_JOB);
  const userIds = members.map((member) => member.userId);
  await markMembershipsLarge(deps.storage, job.conversationId, userIds);
  const now = deps.clock();
  const connections = await connectionsOf(deps.storage, userIds, now);
  await addListeners(
    deps.storage,
    connections.map((c) => ({ conversationId: job.conversationId, connectionId: c.connectionId, userId: c.userId, expiresAt: Math.floor(now / 1000) + LISTENER_TTL_SECONDS })),
  );
  if (cursor) await enqueueJobs(deps.queue, [goLargeEnvelope({ ...job, cursor, page: (job.page ?? 0) + 1 })]);
}

/** Runs one fan-out job; running it again (redelivery) changes nothing already done. */
export async function runFanOutJob(deps: FanOutDeps, job: FanOutJob): Promise<void> {
  switch (job.kind) {
    case 'message': {
      const message: Message = job.message;
      await deliverItem(deps, job.recipients, (userId) => messageRecord(userId, message), (seq) => ({ seq, type: 'message', message }));
      return;
    }
    case 'system':
      await deliverItem(
        deps,
        job.recipients,
        (userId) => systemRecord(userId, job.eventId, job.ts, job.system),
        (seq) => ({ seq, type: 'system', system: job.system }),
      );
      return;
    case 'notify':
      await notifyListeners(deps, job);
      return;
    case 'goLarge':
      await goLarge(deps, job);
      return;
  }
}

/** Runs a job and passes the last step boundary: everything done, before SQS deletes the job. */
export async function runFanOutJobToEnd(deps: FanOutDeps, job: FanOutJob): Promise<void> {
  await runFanOutJob(deps, job);
  await deps.checkpoint('fanout:job-done', { kind: job.kind });
}
