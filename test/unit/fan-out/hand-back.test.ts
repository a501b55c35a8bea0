import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { recordsToHandBack } from '../../../functions/fan-out/hand-back.js';

const record = (messageId: string, group: string) => ({ messageId, receiptHandle: `rh-${messageId}`, attributes: { MessageGroupId: group } }) as unknown as SQSRecord;

describe('which failed fan-out jobs go back to the queue at once', () => {
  it('a deferred job and the jobs skipped behind it in its group; a group that really failed keeps its backoff; done jobs stay done', () => {
    // Prepare: group a ran a1, deferred a2 (a3 skipped); group b failed at b1 (b2 skipped); c1 done.
    const records = [record('a1', 'a'), record('b1', 'b'), record('a2', 'a'), record('c1', 'c'), record('a3', 'a'), record('b2', 'b')];
    const failed = new Set(['b1', 'a2', 'a3', 'b2']);
    // Act
    const back = recordsToHandBack(records, failed, new Set(['a']));
    // Assess
    expect(back.map((r) => r.messageId)).toEqual(['a2', 'a3']);
    expect(recordsToHandBack(records, failed, new Set())).toEqual([]);
  });
});
