import { timelineItemSchema } from '@serverless-im/protocol';
import { describe, expect, it } from 'vitest';
import { INLINE_MESSAGE_BYTES, messageRecord, systemRecord, toTimelineItem, voidRecord } from '../../../../functions/storage/timelines/index.js';

const message = (text: string) => ({ msgId: 'm1', conversationId: 'dm:ann:bob', conversationSeq: 4, from: 'ann', body: { kind: 'text' as const, text }, ts: 10, clientMsgId: 'c1' });
const sizeOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

describe('timeline records', () => {
  it('copies a message of up to INLINE_MESSAGE_BYTES into the item, and references a bigger one', () => {
    // Prepare: the largest message that still fits, and one byte more.
    const overhead = sizeOf(message(''));
    const fits = message('x'.repeat(INLINE_MESSAGE_BYTES - overhead));
    const tooBig = message('x'.repeat(INLINE_MESSAGE_BYTES - overhead + 1));
    // Act
    const inline = messageRecord('bob', fits);
    const referenced = messageRecord('bob', tooBig);
    // Assess
    expect(sizeOf(fits)).toBe(INLINE_MESSAGE_BYTES);
    expect(inline).toEqual({ userId: 'bob', type: 'message', itemKey: 'm1', ts: 10, message: fits });
    expect(referenced).toEqual({ userId: 'bob', type: 'message', itemKey: 'm1', ts: 10, ref: { conversationId: 'dm:ann:bob', cseq: 4 } });
  });

  it('counts multi-byte text by its UTF-8 size', () => {
    // Prepare: 300 two-byte characters are 600 bytes, over the limit with the message around them.
    const accented = message('é'.repeat(300));
    // Act + Assess
    expect(messageRecord('bob', accented).ref).toBeDefined();
    expect(messageRecord('bob', message('e'.repeat(300))).message).toBeDefined();
  });

  it('turns records into the items clients see, in the protocol’s shape', () => {
    // Prepare
    const system = { event: 'groupCreated' as const, conversationId: 'g:abcdefgh', by: 'ann', title: 't', members: ['ann'] };
    const referenced = messageRecord('bob', message('x'.repeat(1000)));
    // Act
    const items = [
      toTimelineItem({ ...messageRecord('bob', message('hi')), seq: 1 }),
      toTimelineItem({ ...systemRecord('bob', 'e1', 5, system), seq: 2 }),
      toTimelineItem(voidRecord('bob', 3, 7)),
      toTimelineItem({ ...referenced, seq: 4 }, message('x'.repeat(1000))),
      // A referenced message that cannot be found is a void, never a hole.
      toTimelineItem({ ...referenced, seq: 5 }),
    ];
    // Assess
    expect(items.map((item) => item.type)).toEqual(['message', 'system', 'void', 'message', 'void']);
    for (const item of items) expect(timelineItemSchema.safeParse(item).success, JSON.stringify(item)).toBe(true);
  });
});
