import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { directReadState, effectiveReadUpTo, groupReadState, withDirectRead } from '../../../functions/conversations/read-state.js';
import { type DirectHead, emptyDirectHead } from '../../../functions/storage/conversations/index.js';

const conversation = { members: ['ann', 'bob'] as [string, string] };
const head = (partial: Partial<DirectHead>): DirectHead => ({ ...emptyDirectHead(), ...partial });

describe('direct read state', () => {
  it('counts the peer messages after what the user read or sent', () => {
    // Prepare: bob sent up to 5, ann sent 3 and read up to 2.
    const state = head({ ownHi: 5, ownLo: 3, readLo: 2 });
    // Act + Assess
    expect(directReadState(state, conversation, 'ann')).toEqual({ latest: 5, readUpTo: 3, unread: 2 });
    expect(directReadState(state, conversation, 'bob')).toEqual({ latest: 5, readUpTo: 5, unread: 0 });
  });

  it('never reads past the latest message, never counts below zero', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(1000), fc.nat(2000), fc.nat(2000), fc.constantFrom('ann', 'bob'), (ownLo, ownHi, readLo, readHi, user) => {
        // Act
        const state = directReadState(head({ ownLo, ownHi, readLo, readHi }), conversation, user);
        // Assess
        expect(state.latest).toBe(Math.max(ownLo, ownHi));
        expect(state.readUpTo).toBeLessThanOrEqual(state.latest);
        expect(state.unread).toBe(state.latest - state.readUpTo);
        expect(state.unread).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('applies a fresh read to the reader’s half of the head only', () => {
    // Prepare
    const before = head({ ownHi: 9 });
    // Act
    const after = withDirectRead(before, conversation, 'ann', 7);
    // Assess
    expect(after).toEqual(head({ ownHi: 9, readLo: 7 }));
    expect(directReadState(after, conversation, 'ann').unread).toBe(2);
  });
});

describe('group read state', () => {
  it('counts everything after the member’s own newest message as the floor', () => {
    // Act + Assess
    expect(effectiveReadUpTo({ readUpTo: 3, ownLast: 8 })).toBe(8);
    expect(groupReadState(10, { readUpTo: 3, ownLast: 8 })).toEqual({ latest: 10, readUpTo: 8, unread: 2 });
  });

  it('takes a read the caller just wrote into account, capped at the last message', () => {
    // Act + Assess
    expect(groupReadState(10, { readUpTo: 3, ownLast: 0 }, 6)).toEqual({ latest: 10, readUpTo: 6, unread: 4 });
    expect(groupReadState(10, { readUpTo: 12, ownLast: 0 })).toEqual({ latest: 10, readUpTo: 10, unread: 0 });
  });
});

describe('recalled messages in the read state', () => {
  it('leaves recalled messages after the read position out of unread, and only those', () => {
    // Prepare: bob sent up to 5, ann read up to 2; 1, 4 and 5 were recalled.
    const recalled = new Set([1, 4, 5]);
    // Act + Assess
    expect(directReadState(head({ ownHi: 5, readLo: 2, recalled }), conversation, 'ann')).toEqual({ latest: 5, readUpTo: 2, unread: 1 });
    expect(directReadState(head({ ownHi: 5, readLo: 5, recalled }), conversation, 'ann').unread).toBe(0);
    expect(groupReadState(10, { readUpTo: 3, ownLast: 0 }, 0, new Set([2, 4, 10, 11]))).toEqual({ latest: 10, readUpTo: 3, unread: 5 });
  });
});
