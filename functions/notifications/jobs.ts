import type { Message } from '@serverless-im/protocol';

/**
 * Notification jobs, as they travel on the notification queue (SQS FIFO). A user's jobs share
 * one message group, so their notifications (and badges) go out in the order they were enqueued;
 * users are independent of each other.
 */

/** Notify one user's offline devices of one message. */
export interface UserNotificationJob {
  kind: 'user';
  userId: string;
  conversationId: string;
  conversationSeq: number;
  msgId: string;
  /** The message's item in the user's timeline; null for a large group (no timeline item). */
  seq: number | null;
  /** The message when the timeline item carried it (small messages); otherwise the worker reads it. */
  message?: Message;
}

/** A job about one large-group message that reaches its members a page at a time (setting `all`) or its mentions. */
export interface LargeGroupPagedJob {
  conversationId: string;
  conversationSeq: number;
  msgId: string;
  from: string;
  /** The user ids the message mentions (for a recall: mentioned, from the recall's `withdrawFrom` note). */
  mentions: string[];
  /** Members of a page already handled, by setting `all` (continuation jobs). */
  cursor?: Record<string, unknown>;
  page?: number;
}

/** A large-group message: notify its mentioned members (or every member, by setting), a page at a time. */
export interface LargeGroupNotificationJob extends LargeGroupPagedJob {
  kind: 'largeGroup';
}

/** A message was recalled: replace its notification on the user's devices that were notified of it. */
export interface WithdrawNotificationJob {
  kind: 'withdraw';
  userId: string;
  conversationId: string;
  conversationSeq: number;
  msgId: string;
}

/**
 * A large-group message was recalled: one withdraw job for each member its message may have
 * notified (its mentions, or every member by setting), a page at a time; the last page removes the
 * recall's note from the stored message.
 */
export interface LargeGroupWithdrawJob extends LargeGroupPagedJob {
  kind: 'largeGroupWithdraw';
}

export type NotificationJob = UserNotificationJob | LargeGroupNotificationJob | WithdrawNotificationJob | LargeGroupWithdrawJob;

export interface NotificationEnvelope {
  job: NotificationJob;
  groupId: string;
  deduplicationId: string;
}

/** SQS allows 128 characters in both ids; user ids are at most 64, message ids 22. */
export const userJobEnvelope = (job: UserNotificationJob): NotificationEnvelope => ({
  job,
  groupId: `u#${job.userId}`,
  // A stream record delivered twice (a retried batch) enqueues once within SQS's five minutes.
  deduplicationId: `${job.userId}#${job.msgId}`,
});

/** In the user's message group: behind the message's own notification job, if that is still queued. */
export const withdrawJobEnvelope = (job: WithdrawNotificationJob): NotificationEnvelope => ({
  job,
  groupId: `u#${job.userId}`,
  deduplicationId: `${job.userId}#${job.msgId}#recall`,
});

export const largeGroupJobEnvelope = (job: LargeGroupNotificationJob): NotificationEnvelope => ({
  job,
  groupId: `g#${job.msgId}`,
  deduplicationId: `${job.msgId}#g${job.page ?? 0}`,
});

/**
 * In the message's own group, behind its notification pages: every member those pages notify has
 * their notification job queued before the withdraw job of the same page.
 */
export const largeGroupWithdrawJobEnvelope = (job: LargeGroupWithdrawJob): NotificationEnvelope => ({
  job,
  groupId: `g#${job.msgId}`,
  deduplicationId: `${job.msgId}#recall#g${job.page ?? 0}`,
});

/**
 * The mentions a stored message carries (the `mentions` field of messages with mentions), or none.
 * Read defensively: messages stored before mentions existed have no such field.
 */
export function mentionsOf(record: unknown): string[] {
  const mentions = (record as { mentions?: unknown } | null | undefined)?.mentions;
  return Array.isArray(mentions) ? mentions.filter((userId): userId is string => typeof userId === 'string') : [];
}
