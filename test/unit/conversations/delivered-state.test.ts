import type { Message } from '@serverless-im/protocol';
import { describe, expect, it } from 'vitest';
import { deliveredBy, receiptsOf } from '../../../functions/conversations/mark-delivered.js';
import { directDeliveredUpTo, effectiveDeliveredUpTo } from '../../../functions/conversations/read-state.js';
import { type DirectHead, emptyDirectHead } from '../../../functions/storage/conversations/index.js';

const conversation = { members: ['ann', 'bob'] as [string, string] };
const head = (partial: Partial<DirectHead>): DirectHead => ({ ...emptyDirectHead(), ...partial });
const message = (conversationId: string, conversationSeq: number, from: string): Message => ({
  msgId: `${conversationId}#${conversationSeq}`,
  conversationId,
  conversationSeq,
  from,
  body: { kind: 'text', text: 'x' },
  ts: 1,
  clientMsgId: `c${conversationSeq}`,
});

describe('delivered positions', () => {
  it('shows the peer’s delivered position to the sender, raised to what the peer read or sent', () => {
    // Prepare: ann sent up to 4; bob's device has it up to 2, bob read nothing, bob sent 3.
    const state = head({ ownLo: 4, ownHi: 3, deliveredHi: 2 });
    // Act + Assess: ann sees bob's receipt (max(2, bob's own 3)); bob sees ann's own position.
    expect(directDeliveredUpTo(state, conversation, 'ann')).toBe(3);
    expect(directDeliveredUpTo(head({ ownLo: 4, ownHi: 1, deliveredHi: 2 }), conversation, 'ann')).toBe(2);
    expect(directDeliveredUpTo(head({ ownLo: 4, ownHi: 1, deliveredHi: 2, readHi: 4 }), conversation, 'ann')).toBe(4);
    expect(directDeliveredUpTo(state, conversation, 'bob')).toBe(4);
    expect(effectiveDeliveredUpTo({ readUpTo: 5, ownLast: 2, deliveredUpTo: 3 })).toBe(5);
    expect(effectiveDeliveredUpTo({ readUpTo: 0, ownLast: 2, deliveredUpTo: 3 })).toBe(3);
  });

  it('turns a page into one receipt per conversation, leaving out the receiver’s own messages and other item types', () => {
    // Prepare
    const page = [
      { seq: 1, type: 'message' as const, message: message('dm:ann:bob', 1, 'ann') },
      { seq: 2, type: 'message' as const, message: message('g:group000001', 7, 'cy') },
      { seq: 3, type: 'update' as const, message: message('dm:ann:bob', 9, 'ann') },
      { seq: 4, type: 'message' as const, message: message('dm:ann:bob', 2, 'bob') },
      { seq: 5, type: 'message' as const, message: message('g:group000001', 6, 'dee') },
      { seq: 6, type: 'void' as const },
      { seq: 7, type: 'message' as const, message: message('dm:ann:bob', 3, 'ann') },
    ];
    // Act
    const receipts = receiptsOf(deliveredBy(page), 'bob');
    // Assess: the update item (a change of a message already delivered) moves nothing.
    expect(receipts).toEqual([
      { conversationId: 'dm:ann:bob', upTo: 3, authors: new Map([['ann', 3]]) },
      { conversationId: 'g:group000001', upTo: 7, authors: new Map([['cy', 7], ['dee', 6]]) },
    ]);
    expect(receiptsOf(deliveredBy(page.filter((item) => item.message?.from === 'bob')), 'bob')).toEqual([]);
  });
});
