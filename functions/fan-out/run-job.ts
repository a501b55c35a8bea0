import type { Message, TimelineItem } from '@serverless-im/protocol';
import { listenWithLiveConnections } from '../listeners/large-group-listeners.js';
import type { Checkpoint } from '../platform/checkpoints.js';
import type { Pusher } from '../push/pusher.js';
import { connectionsOf } from '../storage/connections.js';
import { listenersPage, removeListener } from '../storage/group-listeners.js';
import { currentMembersPage } from '../storage/group-roster.js';
import { markMembershipsLarge } from '../storage/memberships.js';
import type { Storage } from '../storage/storage.js';
import { messageRecord, systemRecord, type TimelineContent, updateRecord } from '../storage/timelines/index.js';
import { appendOnce } from '../timeline/append-once.js';
import { removeCopy } from '../timeline/remove-copy.js';
import { RecipientsFailedError } from './errors.js';
import { type JobQueue, enqueueJobs } from './job-queue.js';
import { type FanOutJob, goLargeEnvelope, type GoLargeJob, notifyEnvelope, type NotifyJob, type UpdateJob } from './jobs.js';

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
  record: (userId: string) => TimelineContent,
  item: (seq: number) => TimelineItem,
): Promise<void> {
  const failures = await eachWithLimit(recipients, PARALLEL_RECIPIENTS, async (userId) => {
    const content = record(userId);
    const now = deps.clock();
    const seq = await appendOnce(deps.storage, content, now, { kind: 'claim', afterAllocate: () => deps.checkpoint('fanout:seq-allocated', { userId }) });
    await deps.checkpoint('fanout:item-written', { userId, kind: content.type });
    const connections = await connectionsOf(deps.storage, [userId], now);
    await deps.pusher.pushToConnections(connections, { event: 'message', data: item(seq) });
    await deps.checkpoint('fanout:pushed', { userId });
  });
  if (failures.length > 0) throw new RecipientsFailedError(failures.map(({ item: userId, error }) => ({ userId, error })));
}

/**
 * A change for each recipient: its copy of a recalled message removed, then its `update` item
 * written and pushed. Claims make a redelivered job write nothing twice; the update item refers to
 * the message, so it never holds content a later recall would have to find.
 */
async function deliverUpdate(deps: FanOutDeps, job: UpdateJob): Promise<void> {
  const { message } = job;
  const failures = await eachWithLimit(job.recipients, PARALLEL_RECIPIENTS, async (userId) => {
    const now = deps.clock();
    if (job.removeCopies) await removeCopy(deps.storage, userId, message, now);
    if (!job.writeItems || userId === job.actor) return;
    const seq = await appendOnce(deps.storage, updateRecord(userId, message, job.version, now), now, {
      kind: 'claim',
      afterAllocate: () => deps.checkpoint('fanout:seq-allocated', { userId }),
    });
    await deps.checkpoint('fanout:item-written', { userId, kind: 'update' });
    const connections = await connectionsOf(deps.storage, [userId], now);
    await deps.pusher.pushToConnections(connections, { event: 'message', data: { seq, type: 'update', message } });
    await deps.checkpoint('fanout:pushed', { userId });
  });
  if (failures.length > 0) throw new RecipientsFailedError(failures.map(({ item: userId, error }) => ({ userId, error })));
}

async function notifyListeners(deps: FanOutDeps, job: NotifyJob): Promise<void> {
  const { listeners, cursor } = await listenersPage(deps.storage, job.conversationId, job.cursor, LISTENERS_PER_JOB);
  if (cursor) await enqueueJobs(deps.queue, [notifyEnvelope({ ...job, cursor, page: (job.page ?? 0) + 1 })]);
  const targets = listeners.filter((listener) => listener.connectionId !== job.exceptConnectionId);
  const event = job.event === 'groupUpdate' ? ({ event: 'groupUpdate', data: job.message } as const) : ({ event: 'groupMessage', data: job.message } as const);
  const { gone } = await deps.pusher.pushToConnections(targets, event);
  await Promise.all(gone.map((connectionId) => removeListener(deps.storage, job.conversationId, connectionId)));
}

async function goLarge(deps: FanOutDeps, job: GoLargeJob): Promise<void> {
  const group = { conversationId: job.conversationId, ...(job.roster ? { roster: true as const } : {}) };
  const { userIds, cursor } = await currentMembersPage(deps.storage, group, job.cursor, MEMBERS_PER_GO_LARGE_JOB);
  await markMembershipsLarge(deps.storage, job.conversationId, userIds);
  await deps.checkpoint('fanout:go-large-marked', { conversationId: job.conversationId });
  await listenWithLiveConnections(deps.storage, job.conversationId, userIds, deps.clock());
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
    case 'update':
      await deliverUpdate(deps, job);
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
