import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ERASED_USER_ID, type ErasureMode, type ErasureReply, type ErasureStep } from '@serverless-im/protocol/server-api';
import { NotFoundError } from '../errors/request-errors.js';
import { type ErasureRecord, isKnownUser, readErasure, startErasure } from '../storage/user-erasure.js';
import type { Storage } from '../storage/storage.js';
import { userHashOf } from './erasure-ids.js';

/** The erasure queue (SQS FIFO): one message group per user, so one slice of their job runs at a time. */
export interface ErasureQueue {
  client: SQSClient;
  queueUrl: string;
}

/** The job message: the user id travels in the queue (never in the record once done). */
export interface ErasureJob {
  userId: string;
}

/**
 * Queues a slice of the user's erasure. The FIFO group is the user's hash: a second message (a
 * repeated DELETE, a continuation racing a redelivery) waits behind the first, so two slices of
 * one erasure never run at once, and the deduplication id drops the same message sent twice.
 */
export async function queueErasureSlice(queue: ErasureQueue, userId: string, deduplicationId: string): Promise<void> {
  const userHash = userHashOf(userId);
  const job: ErasureJob = { userId };
  await queue.client.send(
    new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: JSON.stringify(job), MessageGroupId: userHash, MessageDeduplicationId: `${userHash}#${deduplicationId}` }),
  );
}

export const statusPathOf = (userId: string): string => `/v1/users/${encodeURIComponent(userId)}/erasure`;

function replyOf(userId: string, record: ErasureRecord): ErasureReply {
  return {
    erasure: {
      status: record.status === 'done' ? 'done' : 'running',
      statusUrl: statusPathOf(userId),
      mode: record.mode,
      step: (record.status === 'done' ? 'done' : record.status === 'finishing' ? 'announce' : record.step) as ErasureStep,
      startedAt: Number(record.startedAt),
      ...(record.status === 'done' && record.finishedAt !== undefined ? { finishedAt: Number(record.finishedAt) } : {}),
    },
  };
}

/**
 * `DELETE /v1/users/{id}`: the erasure record first (from then on `$connect` refuses the user),
 * then the job's first slice. A repeat finds the record: a running erasure is queued again (in
 * case the first call died between the two writes; the FIFO group keeps it one job), a done one is
 * answered as done.
 */
export async function requestErasure(deps: { storage: Storage; queue: ErasureQueue; mode: ErasureMode; clock: () => number }, userId: string): Promise<ErasureReply> {
  if (userId === ERASED_USER_ID) throw new NotFoundError('the tombstone user is nobody');
  const existing = await readErasure(deps.storage, userHashOf(userId));
  if (!existing && !(await isKnownUser(deps.storage, userId))) throw new NotFoundError('nothing is stored about this user');
  const { record } = await startErasure(deps.storage, userHashOf(userId), userId, deps.mode, deps.clock());
  if (record.status !== 'done') await queueErasureSlice(deps.queue, userId, `start-${Math.floor(deps.clock() / 60_000)}`);
  return replyOf(userId, record);
}

/** `GET /v1/users/{id}/erasure`. */
export async function erasureProgress(storage: Storage, userId: string): Promise<ErasureReply> {
  const record = await readErasure(storage, userHashOf(userId));
  if (!record) throw new NotFoundError('this user was never erased');
  return replyOf(userId, record);
}

/** Whether the user may not connect or send: erased, being erased, or the tombstone id. One GetItem. */
export async function isErased(storage: Storage, userId: string): Promise<boolean> {
  if (userId === ERASED_USER_ID) return true;
  return (await readErasure(storage, userHashOf(userId))) !== undefined;
}
