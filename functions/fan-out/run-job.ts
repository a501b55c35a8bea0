import type { Message, TimelineItem } from '@serverless-im/protocol';
import { listenWithLiveConnections } from '../listeners/large-group-listeners.js';
import type { Checkpoint } from '../platform/checkpoints.js';
import type { Pusher } from '../push/pusher.js';
import { claimFanOut, fanOutSeqOf, moveFanOutSeq, readFanOutClaim } from '../storage/claims.js';
import { connectionsOf } from '../storage/connections.js';
import { listenersPage, removeListener } from '../storage/group-listeners.js';
import { currentMembersPage } from '../storage/group-roster.js';
import { markMembershipsLarge } from '../storage/memberships.js';
import type { Storage } from '../storage/storage.js';
import { allocateSeq, messageRecord, systemRecord, type TimelineContent, updateRecord, voidSeq } from '../storage/timelines/index.js';
import { appendOnce, type SeqBinding } from '../timeline/append-once.js';
import { removeCopy } from '../timeline/remove-copy.js';
import { RecipientsFailedError } from './errors.js';
import { type JobQueue, enqueueJobs } from './job-queue.js';
import { type FanOutJob, goLargeEnvelope, type GoLargeJob, type MessageJob, notifyEnvelope, type NotifyJob, type UpdateJob } from './jobs.js';
import { byPartition, partitionOf } from './partitions.js';

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
 * independent: one that fails does not stop the others, and the job is retried for it; the seqs
 * are bound by a claim (`binding`: per recipient, or the job's fan-out claim), so the retry writes
 * nothing twice.
 */
async function deliverItem(
  deps: FanOutDeps,
  recipients: readonly string[],
  record: (userId: string) => TimelineContent,
  item: (seq: number) => TimelineItem,
  binding: (userId: string) => SeqBinding = (userId) => ({ kind: 'claim', afterAllocate: () => deps.checkpoint('fanout:seq-allocated', { userId }) }),
): Promise<void> {
  const failures = await eachWithLimit(recipients, PARALLEL_RECIPIENTS, async (userId) => {
    const content = record(userId);
    const now = deps.clock();
    const seq = await appendOnce(deps.storage, content, now, binding(userId));
    await deps.checkpoint('fanout:item-written', { userId, kind: content.type });
    const connections = await connectionsOf(deps.storage, [userId], now);
    await deps.pusher.pushToConnections(connections, { event: 'message', data: item(seq) });
    await deps.checkpoint('fanout:pushed', { userId });
  });
  if (failures.length > 0) throw new RecipientsFailedError(failures.map(({ item: userId, error }) => ({ userId, error })));
}

/**
 * A group message to one job's recipients (one partition): two writes per recipient, its seq and
 * its item, and one fan-out claim for the job recording every recipient's seq, written after the
 * seqs are allocated and before any item. A redelivery reads the claim and writes the items at
 * its seqs (idempotent); a crash before the claim leaves seqs nobody writes, which readers close
 * with `void` items as for any abandoned seq, and the redelivery allocates again. A recipient the
 * claim does not list (a later job of the same partition: more than one job's worth of members,
 * or the member list changed before a re-enqueue) is bound by a delivery claim of its own.
 */
async function deliverMessage(deps: FanOutDeps, job: MessageJob): Promise<void> {
  const { message } = job;
  const failures: { userId: string; error: unknown }[] = [];
  for (const [partition, recipients] of byPartition(job.recipients)) {
    try {
      const bound = (await readFanOutClaim(deps.storage, message.msgId, partition)) ?? (await claimPartition(deps, message.msgId, partition, recipients));
      const rebind = (userId: string) => async (from: number, to: number): Promise<number> => {
        if (await moveFanOutSeq(deps.storage, message.msgId, partition, userId, from, to)) return to;
        return (await readFanOutClaim(deps.storage, message.msgId, partition))?.get(userId) ?? to;
      };
      await deliverItem(
        deps,
        recipients,
        (userId) => messageRecord(userId, message),
        (seq) => ({ seq, type: 'message', message }),
        (userId) => {
          const seq = bound.get(userId);
          return seq === undefined ? { kind: 'claim' } : { kind: 'bound', seq, rebind: rebind(userId) };
        },
      );
    } catch (error) {
      if (error instanceof RecipientsFailedError) failures.push(...error.failures);
      else failures.push(...recipients.map((userId) => ({ userId, error })));
    }
  }
  if (failures.length > 0) throw new RecipientsFailedError(failures);
}

/** Allocates a seq for every recipient and records them in the partition's fan-out claim; a losing attempt closes its seqs and takes the winner's. */
async function claimPartition(deps: FanOutDeps, msgId: string, partition: number, recipients: readonly string[]): Promise<Map<string, number>> {
  const now = deps.clock();
  const allocated = new Map<string, number>();
  const failures = await eachWithLimit(recipients, PARALLEL_RECIPIENTS, async (userId) => {
    allocated.set(userId, await allocateSeq(deps.storage, userId, now));
  });
  if (failures.length > 0) throw new RecipientsFailedError(failures.map(({ item: userId, error }) => ({ userId, error })));
  await deps.checkpoint('fanout:seq-allocated', { userId: recipients[0] });
  const claim = await claimFanOut(deps.storage, msgId, partition, allocated);
  if (!claim.mine) {
    await eachWithLimit([...allocated], PARALLEL_RECIPIENTS, async ([userId, seq]) => {
      await voidSeq(deps.storage, userId, seq, now);
    });
  }
  await deps.checkpoint('fanout:claimed', { partition });
  return claim.seqs;
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
    if (job.removeCopies) await removeCopy(deps.storage, userId, message, now, await fanOutSeqOf(deps.storage, message.msgId, partitionOf(userId), userId));
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
    case 'message':
      await deliverMessage(deps, job);
      return;
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
