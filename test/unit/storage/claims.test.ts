import { describe, expect, it } from 'vitest';
import { deliveryClaimId, sendClaimId } from '../../../functions/storage/claims.js';

describe('claim keys', () => {
  it('gives each (sender, clientMsgId) and each (recipient, content) a key of its own', () => {
    // Act + Assess: `:` cannot occur in a user id, so the user part ends at the first `:`.
    expect(sendClaimId('ann', 'c:1')).toBe('ann:c:1');
    expect(sendClaimId('ann', 'c1')).not.toBe(sendClaimId('ann', 'c2'));
    expect(deliveryClaimId('bob', 'm1')).toBe('delivery:bob:m1');
    expect(deliveryClaimId('bob', 'm1')).not.toBe(sendClaimId('bob', 'm1'));
  });
});
