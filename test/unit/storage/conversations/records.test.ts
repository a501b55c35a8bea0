import { describe, expect, it } from 'vitest';
import { directHeadOf, fromMessageRecord, groupHeadOf, headKey, sideOf } from '../../../../functions/storage/conversations/index.js';

describe('conversation records', () => {
  it('keeps a conversation’s head at cseq 0, before its messages', () => {
    expect(headKey('g:abcdefgh')).toEqual({ conversationId: 'g:abcdefgh', cseq: 0 });
  });

  it('reads heads with every missing number as 0', () => {
    // Act + Assess
    expect(directHeadOf(undefined)).toEqual({ ownLo: 0, ownHi: 0, readLo: 0, readHi: 0, deliveredLo: 0, deliveredHi: 0, listed: false });
    expect(directHeadOf({ ownHi: 3, listed: true, deliveredLo: 2 })).toEqual({ ownLo: 0, ownHi: 3, readLo: 0, readHi: 0, deliveredLo: 2, deliveredHi: 0, listed: true });
    expect(groupHeadOf({ conversationId: 'g:abcdefgh', memberCount: 4, large: true, largeSince: 9 })).toEqual({
      conversationId: 'g:abcdefgh',
      kind: 'group',
      title: '',
      owner: '',
      memberCount: 4,
      large: true,
      largeSince: 9,
      lastCseq: 0,
      createdAt: 0,
    });
  });

  it('gives the lower user id the Lo half of a direct head', () => {
    expect(sideOf({ members: ['ann', 'bob'] }, 'ann')).toBe('Lo');
    expect(sideOf({ members: ['ann', 'bob'] }, 'bob')).toBe('Hi');
  });

  it('turns a stored message into the protocol’s Message (cseq is conversationSeq; delivery bookkeeping stays inside)', () => {
    // Act
    const message = fromMessageRecord({
      conversationId: 'dm:ann:bob',
      cseq: 2,
      msgId: 'm1',
      from: 'ann',
      body: { kind: 'text', text: 'hi' },
      ts: 5,
      clientMsgId: 'c1',
      senderSeq: 7,
      recipientSeq: 3,
    });
    // Assess
    expect(message).toEqual({ msgId: 'm1', conversationId: 'dm:ann:bob', conversationSeq: 2, from: 'ann', body: { kind: 'text', text: 'hi' }, ts: 5, clientMsgId: 'c1' });
  });
});
