import type { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { NotificationJobsRefusedError } from '../../../functions/notifications/errors.js';
import { enqueueNotifications, requestsOf } from '../../../functions/notifications/job-queue.js';
import type { NotificationEnvelope } from '../../../functions/notifications/jobs.js';

const envelope = (user: string, msgId: string): NotificationEnvelope =>
  ({ job: { kind: 'user', userId: user, msgId } as never, groupId: `u#${user}`, deduplicationId: `${user}#${msgId}` }) as NotificationEnvelope;

/** An SQS stand-in that refuses the entries `refuse` names (by dedup id) a given number of times: partial refusals the SQS emulator cannot produce. */
function sqsRefusing(refuse: Map<string, number>): { client: SQSClient; queued: string[]; requests: number } {
  const state = { queued: [] as string[], requests: 0 };
  const client = {
    send: async (command: { input: { Entries: { Id: string; MessageDeduplicationId: string }[] } }) => {
      state.requests++;
      const failed = [];
      for (const entry of command.input.Entries) {
        const left = refuse.get(entry.MessageDeduplicationId) ?? 0;
        if (left > 0) {
          refuse.set(entry.MessageDeduplicationId, left - 1);
          failed.push({ Id: entry.Id, Code: 'InternalError', SenderFault: false });
        } else state.queued.push(entry.MessageDeduplicationId);
      }
      return { Successful: [], Failed: failed };
    },
  } as unknown as SQSClient;
  return Object.assign(state, { client });
}

describe('notification jobs to the FIFO queue', () => {
  it('packs jobs ten to a request, in order, with one job per FIFO group in each', () => {
    const envelopes = [envelope('ann', 'm1'), envelope('bob', 'm1'), envelope('ann', 'm2'), ...[...Array(12).keys()].map((i) => envelope(`u${i}`, 'm3'))];
    const requests = requestsOf(envelopes);
    expect(requests.map((r) => r.envelopes.length)).toEqual([2, 10, 3]);
    expect(requests.map((r) => r.start)).toEqual([0, 2, 12]);
    for (const request of requests) expect(new Set(request.envelopes.map((e) => e.groupId)).size).toBe(request.envelopes.length);
    expect(requests.flatMap((r) => r.envelopes)).toEqual(envelopes);
  });

  it('retries refused entries alone, so a group keeps its order, and one request carries ten users’ jobs', async () => {
    const sqs = sqsRefusing(new Map([['u1#m', 2]]));
    const envelopes = [...Array(10).keys()].map((i) => envelope(`u${i}`, 'm'));
    await enqueueNotifications({ client: sqs.client, queueUrl: 'q' }, [...envelopes, envelope('u1', 'later')]);
    expect(sqs.requests).toBe(4); // the ten, the refused one twice more, then u1's later job
    expect(sqs.queued.indexOf('u1#m')).toBeLessThan(sqs.queued.indexOf('u1#later'));
    expect(sqs.queued).toHaveLength(11);
  });

  it('says how many of the first jobs are surely queued when SQS keeps refusing one', async () => {
    const sqs = sqsRefusing(new Map([['c#m', 99]]));
    const envelopes = [envelope('a', 'm'), envelope('a', 'n'), envelope('b', 'm'), envelope('c', 'm'), envelope('d', 'm')];
    const error = await enqueueNotifications({ client: sqs.client, queueUrl: 'q' }, envelopes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotificationJobsRefusedError);
    // Requests: [a#m], [a#n, b#m, c#m, d#m]; c#m (index 3) is refused: the first three are queued.
    expect((error as NotificationJobsRefusedError).enqueued).toBe(3);
  });
});
