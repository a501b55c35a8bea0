import type { Message, SystemEvent } from '@serverless-im/protocol';
import { byPartition } from './partitions.js';

/** Deliver a group message into these recipients' timelines and push it to them. */
export interface MessageJob {
  kind: 'message';
  conversationId: string;
  message: Message;
  recipients: string[];
}

/** Deliver a membership change (a `system` timeline item) to these members. */
export interface SystemJob {
  kind: 'system';
  conversationId: string;
  eventId: string;
  ts: number;
  system: SystemEvent;
  recipients: string[];
}

/**
 * Deliver a change of a message (edit, recall, reaction) to these recipients: with `writeItems`,
 * an `update` item in each timeline (write fan-out); with `removeCopies` (a recall), the copy of
 * the message each recipient's timeline holds is removed first.
 */
export interface UpdateJob {
  kind: 'update';
  conversationId: string;
  /** The message's state after the change. */
  message: Message;
  version: number;
  writeItems: boolean;
  removeCopies: boolean;
  /**
   * The member who made the change: their update item was written before the reply, but their
   * copy of a group message is removed here, behind the message's own delivery job in the same
   * FIFO group (the copy may not be written yet when the recall is made).
   */
  actor?: string;
  recipients: string[];
}

/** Push a large group's message (`groupMessage`) or its change (`groupUpdate`) to the connections listening to it, a page at a time. */
export interface NotifyJob {
  kind: 'notify';
  conversationId: string;
  message: Message;
  /** Absent: `groupMessage`. */
  event?: 'groupUpdate';
  /** A change's version (part of the deduplication id). */
  version?: number;
  exceptConnectionId?: string;
  cursor?: Record<string, unknown>;
  /** Position in the chain of continuation jobs (part of the deduplication id). */
  page?: number;
}

/** A group just turned large: mark its members' rows and subscribe their live connections. */
export interface GoLargeJob {
  kind: 'goLarge';
  conversationId: string;
  /** The group keeps a roster (read its members from there, strongly consistent). */
  roster?: true;
  cursor?: Record<string, unknown>;
  page?: number;
}

export type FanOutJob = MessageJob | SystemJob | UpdateJob | NotifyJob | GoLargeJob;

/** Recipients per job: keeps a job well under SQS's 256 KB and a worker's timeout. */
export const RECIPIENTS_PER_JOB = 200;

/** A job as it goes to the FIFO queue: its message group and deduplication id. */
export interface Envelope {
  job: FanOutJob;
  groupId: string;
  deduplicationId: string;
}

export const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const result: T[][] = [];
  for (let index = 0; index < items.length; index += size) result.push(items.slice(index, index + size));
  return result;
};

/**
 * Splits a delivery to many recipients into jobs: one FIFO group per recipient partition, so
 * each recipient's deliveries for a conversation stay in order. Deduplication ids make a job
 * enqueued twice (a retried send) count once within SQS's five-minute window.
 */
export function partitionedJobs<J extends MessageJob | SystemJob | UpdateJob>(
  base: Omit<J, 'recipients'>,
  recipients: readonly string[],
  contentKey: string,
): Envelope[] {
  const envelopes: Envelope[] = [];
  for (const [partition, members] of byPartition(recipients)) {
    for (const [index, chunk] of chunks(members, RECIPIENTS_PER_JOB).entries()) {
      envelopes.push({
        job: { ...base, recipients: chunk } as unknown as J,
        groupId: `${base.conversationId}#p${partition}`,
        deduplicationId: `${contentKey}#p${partition}#${index}`,
      });
    }
  }
  return envelopes;
}

export const notifyEnvelope = (job: NotifyJob): Envelope => {
  // Pushes to listeners need no order across messages: clients catch up by conversationSeq, and
  // keep the highest version of a changed message.
  const key = job.version === undefined ? job.message.msgId : `${job.message.msgId}#v${job.version}`;
  return { job, groupId: key, deduplicationId: `${key}#n${job.page ?? 0}` };
};

export const goLargeEnvelope = (job: GoLargeJob): Envelope => ({
  job,
  groupId: `${job.conversationId}#large`,
  deduplicationId: `${job.conversationId}#large#${job.page ?? 0}`,
});
