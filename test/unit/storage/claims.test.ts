import { describe, expect, it } from 'vitest';
import { USER_ID_PATTERN } from '@serverless-im/protocol';
import { attachmentClaimId, deliveryClaimId, eventClaimId, fanOutClaimId, pushClaimId, sendClaimId, uploadAllowanceId } from '../../../functions/storage/claims.js';

describe('claim keys', () => {
  it('gives each (sender, clientMsgId) and each (recipient, content) a key of its own', () => {
    // Act + Assess: `:` cannot occur in a user id, so the user part ends at the first `:`.
    expect(sendClaimId('ann', 'c:1')).toBe('ann:c:1');
    expect(sendClaimId('ann', 'c1')).not.toBe(sendClaimId('ann', 'c2'));
    expect(deliveryClaimId('bob', 'm1')).toBe('delivery#bob#m1');
    expect(deliveryClaimId('bob', 'm1')).not.toBe(sendClaimId('bob', 'm1'));
    expect(fanOutClaimId('m1', 3)).toBe('fanout#m1#p3');
  });

  it('a user named like another key space (`delivery`, `fanout`, ...) cannot make a send claim equal to any other claim', () => {
    // Prepare: user ids spelled like every prefix, and clientMsgIds spelled like the rest of those keys
    // (the old collision: user `delivery` sending clientMsgId `bob:m1` made `delivery:bob:m1`, bob's delivery claim).
    const users = ['delivery', 'fanout', 'uploads', 'push', 'attachment', 'event', 'bob', 'a.b@c-d_e'];
    expect(users.every((user) => USER_ID_PATTERN.test(user))).toBe(true);
    const tails = ['bob:m1', 'bob#m1', '#bob#m1', 'm1#p3', 'bob#2026-12-04', 'bob#phone#m1', 'x', 'update:m1:2'];
    const others = new Set(
      users.flatMap((user) => [
        ...tails.flatMap((tail) => [deliveryClaimId(user, tail), pushClaimId(user, 'phone', tail)]),
        uploadAllowanceId(user, '2026-12-04'),
        fanOutClaimId(user, 3),
        attachmentClaimId(user),
        eventClaimId(user),
      ]),
    );
    // Act
    const sends = users.flatMap((user) => tails.map((tail) => sendClaimId(user, tail)));
    // Assess: no send claim is any other claim, and each space's keys are told apart by their shape.
    for (const key of sends) expect(others.has(key), key).toBe(false);
    const hashFirst = (key: string) => key.indexOf('#') !== -1 && (key.indexOf(':') === -1 || key.indexOf('#') < key.indexOf(':'));
    for (const key of sends) expect(hashFirst(key), key).toBe(false);
    for (const key of others) expect(hashFirst(key), key).toBe(true);
  });
});
