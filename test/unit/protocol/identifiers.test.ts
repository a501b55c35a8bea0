import { directConversationId, isUserId, parseConversationId, peerOf, USER_ID_PATTERN } from '@serverless-im/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const userId = fc.stringMatching(USER_ID_PATTERN);

describe('conversation ids', () => {
  it('derive one direct id from two users, whoever asks, and parse back to them', () => {
    fc.assert(
      fc.property(userId, userId, (a, b) => {
        fc.pre(a !== b);
        // Act
        const id = directConversationId(a, b);
        const ref = parseConversationId(id);
        // Assess
        expect(directConversationId(b, a)).toBe(id);
        expect(ref).toEqual({ kind: 'direct', id, members: [a, b].sort() });
        expect(peerOf(ref as { members: [string, string] }, a)).toBe(b);
      }),
    );
  });

  it('accept only the canonical form of a direct id, and group ids of the server’s alphabet', () => {
    // Act + Assess
    for (const id of ['dm:bob:ann', 'dm:ann:ann', 'dm:ann', 'dm:ann:bob:cid', 'dm:a b:c', 'g:short', 'g:has/slash1', 'g:AAAAAAAA#x', 'x:abc', '']) {
      expect(parseConversationId(id), id).toBeUndefined();
    }
    expect(parseConversationId('g:abcdefgh')).toEqual({ kind: 'group', id: 'g:abcdefgh' });
  });

  it('know user ids', () => {
    expect(isUserId('ann.b@example-1_x')).toBe(true);
    for (const value of ['', 'a:b', 'x'.repeat(65), 'a b', 42]) expect(isUserId(value)).toBe(false);
  });
});
