import { describe, expect, it } from 'vitest';
import { mayEdit, mayRecall } from '../../../functions/message-changes/may-change.js';
import { nextState } from '../../../functions/message-changes/next-state.js';
import type { GroupHead, MessageRecord } from '../../../functions/storage/conversations/index.js';

const message: MessageRecord = { conversationId: 'g:abcdefgh', cseq: 4, msgId: 'm4', from: 'ann', body: { kind: 'text', text: 'hi' }, ts: 1_000, clientMsgId: 'c4', fanOut: 'write' };
const settings = { editWindowMs: 100, recallWindowMs: 50 };
const group = { owner: 'olga' } as GroupHead;
const context = (actor: string, now: number) => ({ actor, group, now, settings });
const refusal = (run: () => void) => {
  try {
    run();
  } catch (error) {
    return { code: (error as { code: string }).code, reason: (error as { reason?: string }).reason };
  }
  return undefined;
};

describe('the next state of a message', () => {
  it('raises the version once per real change, and changes nothing for a repeat', () => {
    // Act
    const edited = nextState(message, { kind: 'edit', body: { kind: 'text', text: 'hello' } }, 'ann', 1_050)!;
    const same = nextState(edited, { kind: 'edit', body: { kind: 'text', text: 'hello' } }, 'ann', 1_060);
    const customA = nextState({ ...message, body: { kind: 'custom', type: 't', payload: { a: 1, b: [1, 2] } } }, { kind: 'edit', body: { kind: 'custom', type: 't', payload: { b: [1, 2], a: 1 } } }, 'ann', 1);
    // Assess
    expect(edited).toMatchObject({ body: { kind: 'text', text: 'hello' }, editedAt: 1_050, version: 2 });
    // What the event publisher reads to tell an edit from a reaction (the stream has new images only).
    expect(edited.lastChange).toEqual({ kind: 'edit', by: 'ann', at: 1_050 });
    expect(nextState(message, { kind: 'react', emoji: '👍', on: true }, 'bob', 7)!.lastChange).toEqual({ kind: 'react', by: 'bob', at: 7 });
    expect(same).toBeUndefined();
    expect(customA).toBeUndefined();
  });

  it('keeps nothing of the content when recalled', () => {
    // Prepare
    const rich: MessageRecord = { ...message, mentions: ['bob'], editedAt: 5, reactions: { '👍': ['bob'] }, replyTo: 2, version: 3, senderSeq: 7 };
    // Act
    const recalled = nextState(rich, { kind: 'recall' }, 'ann', 2)!;
    // Assess
    expect(recalled).toEqual({ conversationId: 'g:abcdefgh', cseq: 4, msgId: 'm4', from: 'ann', ts: 1_000, clientMsgId: 'c4', fanOut: 'write', replyTo: 2, senderSeq: 7, recalled: true, version: 4, lastChange: { kind: 'recall', by: 'ann', at: 2 } });
    expect(nextState(recalled, { kind: 'recall' }, 'ann', 3)).toBeUndefined();
  });

  it('a recalled large-group message keeps a note of whom its notifications may have reached, for the notification pipeline', () => {
    // Prepare: read fan-out writes no timeline items, so no update item can carry the recall to the dispatcher.
    const large: MessageRecord = { ...message, fanOut: 'read', mentions: ['bob', 'cid'] };
    // Act
    const recalled = nextState(large, { kind: 'recall' }, 'ann', 2)!;
    const unmentioned = nextState({ ...large, mentions: undefined }, { kind: 'recall' }, 'ann', 2)!;
    // Assess
    expect(recalled).toMatchObject({ recalled: true, withdrawPending: true, withdrawFrom: ['bob', 'cid'] });
    expect(recalled.body).toBeUndefined();
    expect(recalled.mentions).toBeUndefined();
    expect(unmentioned).toMatchObject({ recalled: true, withdrawPending: true });
    expect(unmentioned.withdrawFrom).toBeUndefined();
  });

  it('adds and removes reactions idempotently, within the per-user limit', () => {
    // Act
    const one = nextState(message, { kind: 'react', emoji: '👍', on: true }, 'bob', 1)!;
    const two = nextState(one, { kind: 'react', emoji: '👍', on: true }, 'cid', 1)!;
    const three = nextState(nextState(two, { kind: 'react', emoji: '❤️', on: true }, 'bob', 1)!, { kind: 'react', emoji: '😂', on: true }, 'bob', 1)!;
    // Assess
    expect(nextState(one, { kind: 'react', emoji: '👍', on: true }, 'bob', 1)).toBeUndefined();
    expect(two.reactions).toEqual({ '👍': ['bob', 'cid'] });
    expect(refusal(() => nextState(three, { kind: 'react', emoji: '🎉', on: true }, 'bob', 1))).toEqual({ code: 'TOO_LARGE', reason: 'tooManyReactions' });
    const removed = nextState(nextState(two, { kind: 'react', emoji: '👍', on: false }, 'bob', 1)!, { kind: 'react', emoji: '👍', on: false }, 'cid', 1)!;
    expect(removed.reactions).toBeUndefined();
    expect(removed.version).toBe(5);
    expect(nextState(message, { kind: 'react', emoji: '👍', on: false }, 'bob', 1)).toBeUndefined();
  });
});

describe('who may change a message', () => {
  it('lets only the sender edit, only text and custom bodies, until the window closes', () => {
    // Act + Assess
    expect(refusal(() => mayEdit(message, context('ann', 1_099)))).toBeUndefined();
    expect(refusal(() => mayEdit(message, context('ann', 1_100)))).toEqual({ code: 'FORBIDDEN', reason: 'editWindowClosed' });
    expect(refusal(() => mayEdit(message, context('olga', 1_001)))).toEqual({ code: 'FORBIDDEN', reason: 'notSender' });
    expect(refusal(() => mayEdit({ ...message, body: { kind: 'image' } as never }, context('ann', 1_001)))).toEqual({ code: 'FORBIDDEN', reason: 'notEditable' });
    expect(refusal(() => mayEdit({ ...message, body: undefined, recalled: true }, context('ann', 1_001)))).toEqual({ code: 'FORBIDDEN', reason: 'messageRecalled' });
  });

  it('lets the sender recall within the window and the group owner at any time', () => {
    // Act + Assess
    expect(refusal(() => mayRecall(message, context('ann', 1_049)))).toBeUndefined();
    expect(refusal(() => mayRecall(message, context('ann', 1_050)))).toEqual({ code: 'FORBIDDEN', reason: 'recallWindowClosed' });
    expect(refusal(() => mayRecall(message, context('olga', 9_999_999)))).toBeUndefined();
    expect(refusal(() => mayRecall(message, context('bob', 1_001)))).toEqual({ code: 'FORBIDDEN', reason: 'notSender' });
    expect(refusal(() => mayRecall(message, { ...context('olga', 1_001), group: undefined }))).toEqual({ code: 'FORBIDDEN', reason: 'notSender' });
  });
});
