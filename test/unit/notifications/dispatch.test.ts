import { describe, expect, it } from 'vitest';
import { jobsOfImage } from '../../../functions/notifications/dispatch.js';
import { mentionsOf } from '../../../functions/notifications/jobs.js';
import { deliveryClaimId, pushClaimId, sendClaimId } from '../../../functions/storage/claims.js';
import { USER_ID_PATTERN } from '@serverless-im/protocol';

const message = { msgId: 'm1', conversationId: 'dm:ann:bob', conversationSeq: 4, from: 'bob', body: { kind: 'text', text: 'hi' }, ts: 1, clientMsgId: 'c1' };

describe('which committed items notify whom', () => {
  it('a timeline message from someone else: one job for its owner, in the owner’s FIFO group, deduplicated by user and message', () => {
    // Act
    const [envelope, ...rest] = jobsOfImage({ userId: 'ann', seq: 9, type: 'message', itemKey: 'm1', ts: 1, message }, 'mentions');
    // Assess
    expect(rest).toEqual([]);
    expect(envelope).toEqual({
      job: { kind: 'user', userId: 'ann', conversationId: 'dm:ann:bob', conversationSeq: 4, msgId: 'm1', seq: 9, message },
      groupId: 'u#ann',
      deduplicationId: 'ann#m1',
    });
  });

  it('a referenced (large) message carries no copy: the worker reads it', () => {
    // Act
    const [envelope] = jobsOfImage({ userId: 'ann', seq: 9, type: 'message', itemKey: 'm1', ts: 1, ref: { conversationId: 'g:abcdefgh', cseq: 2 } }, 'mentions');
    // Assess
    expect(envelope!.job).toEqual({ kind: 'user', userId: 'ann', conversationId: 'g:abcdefgh', conversationSeq: 2, msgId: 'm1', seq: 9 });
  });

  it('the sender’s own item, system and void items, heads and write-fan-out messages notify nobody', () => {
    expect(jobsOfImage({ userId: 'bob', seq: 3, type: 'message', itemKey: 'm1', ts: 1, message }, 'all')).toEqual([]);
    expect(jobsOfImage({ userId: 'ann', seq: 3, type: 'system', itemKey: 'e1', ts: 1 }, 'all')).toEqual([]);
    expect(jobsOfImage({ userId: 'ann', seq: 3, type: 'void', itemKey: 'void:3', ts: 1 }, 'all')).toEqual([]);
    expect(jobsOfImage({ userId: 'ann', seq: 0, latest: 3 }, 'all')).toEqual([]);
    expect(jobsOfImage({ conversationId: 'g:abcdefgh', cseq: 0, title: 'x' }, 'all')).toEqual([]);
    expect(jobsOfImage({ conversationId: 'g:abcdefgh', cseq: 5, msgId: 'm5', from: 'bob', fanOut: 'write' }, 'all')).toEqual([]);
  });

  it('a recall’s update item: one withdraw job for its owner, behind the message’s own job in the owner’s FIFO group', () => {
    // Prepare: update items refer to the message; only a recall's carries `recalled`.
    const update = { userId: 'ann', seq: 12, type: 'update', itemKey: 'update:m1:3', ts: 2, ref: { conversationId: 'dm:ann:bob', cseq: 4 } };
    // Act
    const [envelope, ...rest] = jobsOfImage({ ...update, recalled: true }, 'mentions');
    // Assess
    expect(rest).toEqual([]);
    expect(envelope).toEqual({
      job: { kind: 'withdraw', userId: 'ann', conversationId: 'dm:ann:bob', conversationSeq: 4, msgId: 'm1' },
      groupId: 'u#ann',
      deduplicationId: 'ann#m1#recall',
    });
    // Edits and reactions replace nothing.
    expect(jobsOfImage(update, 'all')).toEqual([]);
  });

  it('a large-group message: nothing without mentions (default), one expanding job with them or with the setting all', () => {
    // Prepare
    const stored = { conversationId: 'g:abcdefgh', cseq: 5, msgId: 'm5', from: 'bob', fanOut: 'read' };
    // Act / Assess
    expect(jobsOfImage(stored, 'mentions')).toEqual([]);
    const [mentioned] = jobsOfImage({ ...stored, mentions: ['ann', 'cid'] }, 'mentions');
    expect(mentioned!.job).toEqual({ kind: 'largeGroup', conversationId: 'g:abcdefgh', conversationSeq: 5, msgId: 'm5', from: 'bob', mentions: ['ann', 'cid'] });
    expect(jobsOfImage(stored, 'all')).toHaveLength(1);
  });

  it('a recalled large-group message (a modification with the recall’s note): one withdrawing job, behind the message’s own in its group', () => {
    // Prepare
    const recalled = { conversationId: 'g:abcdefgh', cseq: 5, msgId: 'm5', from: 'bob', fanOut: 'read', recalled: true, version: 2 };
    // Act
    const [envelope, ...rest] = jobsOfImage({ ...recalled, withdrawPending: true, withdrawFrom: ['ann', 'cid'] }, 'mentions', 'MODIFY');
    // Assess
    expect(rest).toEqual([]);
    expect(envelope).toEqual({
      job: { kind: 'largeGroupWithdraw', conversationId: 'g:abcdefgh', conversationSeq: 5, msgId: 'm5', from: 'bob', mentions: ['ann', 'cid'] },
      groupId: 'g#m5',
      deduplicationId: 'm5#recall#g0',
    });
    // Any other modification (an edit, a reaction, the note's removal) notifies nobody, even of a large-group message.
    expect(jobsOfImage(recalled, 'all', 'MODIFY')).toEqual([]);
    expect(jobsOfImage({ ...recalled, recalled: undefined, version: 3 }, 'all', 'MODIFY')).toEqual([]);
  });

  it('reads mentions defensively: absent, malformed or mixed lists give only the user ids', () => {
    expect(mentionsOf({})).toEqual([]);
    expect(mentionsOf(undefined)).toEqual([]);
    expect(mentionsOf({ mentions: 'ann' })).toEqual([]);
    expect(mentionsOf({ mentions: ['ann', 3, null, 'bob'] })).toEqual(['ann', 'bob']);
  });

  it('push claim keys can never equal a send or delivery claim key', () => {
    // Prepare: user ids that look like the other key spaces' prefixes.
    const users = ['push', 'delivery', 'a.b@c', 'push#x'].filter((user) => USER_ID_PATTERN.test(user));
    // Act
    const push = new Set(users.flatMap((user) => [pushClaimId(user, 'phone', 'm1'), pushClaimId(user, 'default', 'delivery:x')]));
    const others = users.flatMap((user) => [sendClaimId(user, 'push#x#phone#m1'), sendClaimId(user, `${user}#phone#m1`), deliveryClaimId(user, 'm1')]);
    // Assess
    expect(users).not.toContain('push#x');
    for (const key of others) expect(push.has(key), key).toBe(false);
    for (const key of push) expect(key.indexOf('#')).toBeLessThan(key.indexOf(':') === -1 ? Infinity : key.indexOf(':'));
  });
});
