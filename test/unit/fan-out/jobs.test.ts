import { describe, expect, it } from 'vitest';
import { goLargeEnvelope, type MessageJob, notifyEnvelope, partitionedJobs, RECIPIENTS_PER_JOB } from '../../../functions/fan-out/jobs.js';
import { partitionOf } from '../../../functions/fan-out/partitions.js';

const message = { msgId: 'm1', conversationId: 'g:abcdefgh', conversationSeq: 1, from: 'ann', body: { kind: 'text' as const, text: 'hi' }, ts: 1, clientMsgId: 'c1' };
const base: Omit<MessageJob, 'recipients'> = { kind: 'message', conversationId: 'g:abcdefgh', message };

describe('fan-out jobs', () => {
  it('sends each recipient once, in its partition’s FIFO group, at most RECIPIENTS_PER_JOB per job', () => {
    // Prepare
    const recipients = [...Array(2500).keys()].map((n) => `user-${n}`);
    // Act
    const envelopes = partitionedJobs<MessageJob>(base, recipients, message.msgId);
    // Assess
    const delivered = envelopes.flatMap((envelope) => (envelope.job as MessageJob).recipients);
    expect(delivered.sort()).toEqual([...recipients].sort());
    for (const envelope of envelopes) {
      const job = envelope.job as MessageJob;
      expect(job.recipients.length).toBeLessThanOrEqual(RECIPIENTS_PER_JOB);
      expect(envelope.groupId).toBe(`g:abcdefgh#p${partitionOf(job.recipients[0]!)}`);
      for (const recipient of job.recipients) expect(envelope.groupId).toBe(`g:abcdefgh#p${partitionOf(recipient)}`);
    }
    expect(new Set(envelopes.map((envelope) => envelope.deduplicationId)).size).toBe(envelopes.length);
  });

  it('gives the same content the same deduplication ids when it is enqueued again (a retried send)', () => {
    // Prepare
    const recipients = ['ann', 'bob', 'cid', 'dee'];
    // Act
    const first = partitionedJobs<MessageJob>(base, recipients, message.msgId);
    const again = partitionedJobs<MessageJob>(base, recipients, message.msgId);
    // Assess
    expect(again.map((envelope) => envelope.deduplicationId)).toEqual(first.map((envelope) => envelope.deduplicationId));
  });

  it('chains notification and large-group jobs by page', () => {
    // Act
    const notify = notifyEnvelope({ kind: 'notify', conversationId: 'g:abcdefgh', message, page: 2 });
    const goLarge = goLargeEnvelope({ kind: 'goLarge', conversationId: 'g:abcdefgh' });
    // Assess
    expect(notify).toMatchObject({ groupId: 'm1', deduplicationId: 'm1#n2' });
    expect(goLarge).toMatchObject({ groupId: 'g:abcdefgh#large', deduplicationId: 'g:abcdefgh#large#0' });
  });
});
