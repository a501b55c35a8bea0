import { actions, events, isEmoji, messageSchema, timelineItemSchema } from '@serverless-im/protocol';
import { describe, expect, it } from 'vitest';

const ok = (schema: { safeParse(value: unknown): { success: boolean } }, value: unknown) => schema.safeParse(value).success;
const body = { kind: 'text', text: 'hi' };
const message = { msgId: 'm1', conversationId: 'dm:ann:bob', conversationSeq: 1, from: 'ann', body, ts: 1, clientMsgId: 'c1' };
const where = { conversationId: 'dm:ann:bob', conversationSeq: 1 };

describe('message lifecycle schemas', () => {
  it('accept one emoji grapheme as a reaction and nothing else', () => {
    // Act + Assess
    for (const emoji of ['👍', '❤️', '👍🏽', '👩‍👩‍👧‍👦', '🇫🇷', '1️⃣', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '🫠', '☺']) expect(isEmoji(emoji), emoji).toBe(true);
    for (const other of ['', 'a', '👍👍', '👍 ', ':+1:', '\u200d', '🇫', '1', 'ab', '👍a', '\ud83d', '❤️'.repeat(20)]) expect(isEmoji(other), JSON.stringify(other)).toBe(false);
  });

  it('give a recalled message no body, and every other message one', () => {
    // Act + Assess
    expect(ok(messageSchema, message)).toBe(true);
    expect(ok(messageSchema, { ...message, body: undefined, recalled: true, version: 2 })).toBe(true);
    expect(ok(messageSchema, { ...message, recalled: true })).toBe(false);
    expect(ok(messageSchema, { ...message, body: undefined })).toBe(false);
    expect(ok(messageSchema, { ...message, body: undefined, deletedForMe: true })).toBe(true);
    expect(ok(messageSchema, { ...message, recalled: false, body: undefined })).toBe(false);
  });

  it('carry edits, reactions, replies and mentions on a message', () => {
    // Act + Assess
    expect(ok(messageSchema, { ...message, editedAt: 5, version: 3, reactions: { '👍': ['bob'], '❤️': ['ann', 'bob'] }, replyTo: 1, mentions: ['bob'] })).toBe(true);
    expect(ok(messageSchema, { ...message, reactions: { nope: ['bob'] } })).toBe(false);
    expect(ok(messageSchema, { ...message, version: 0 })).toBe(false);
  });

  it('keep update and deleteForMe items with their content', () => {
    // Act + Assess
    expect(ok(timelineItemSchema, { seq: 2, type: 'update', message })).toBe(true);
    expect(ok(timelineItemSchema, { seq: 2, type: 'update' })).toBe(false);
    expect(ok(timelineItemSchema, { seq: 2, type: 'deleteForMe', deleted: { conversationId: 'dm:ann:bob', conversationSeqs: [1] } })).toBe(true);
    expect(ok(timelineItemSchema, { seq: 2, type: 'deleteForMe', message })).toBe(false);
  });

  it('validate the new actions at the edge', () => {
    // Act + Assess
    expect(ok(actions.edit.request, { action: 'edit', id: '1', ...where, body })).toBe(true);
    expect(ok(actions.edit.request, { action: 'edit', id: '1', ...where, body: { kind: 'text', text: '' } })).toBe(false);
    expect(ok(actions.edit.request, { action: 'edit', id: '1', ...where, conversationSeq: 0, body })).toBe(false);
    expect(ok(actions.recall.request, { action: 'recall', id: '1', ...where })).toBe(true);
    expect(ok(actions.recall.request, { action: 'recall', id: '1', ...where, body })).toBe(false);
    expect(ok(actions.react.request, { action: 'react', id: '1', ...where, emoji: '👍', on: true })).toBe(true);
    expect(ok(actions.react.request, { action: 'react', id: '1', ...where, emoji: 'x', on: true })).toBe(false);
    expect(ok(actions.react.request, { action: 'react', id: '1', ...where, emoji: '👍' })).toBe(false);
    const hide = (seqs: unknown) => ({ action: 'deleteForMe', id: '1', conversationId: 'dm:ann:bob', conversationSeqs: seqs });
    expect(ok(actions.deleteForMe.request, hide([1, 2]))).toBe(true);
    expect(ok(actions.deleteForMe.request, hide([]))).toBe(false);
    expect(ok(actions.deleteForMe.request, hide([...Array(101).keys()].map((n) => n + 1)))).toBe(false);
    expect(ok(actions.deleteForMe.request, hide([...Array(100).keys()].map((n) => n + 1)))).toBe(true);
    const send = { action: 'send', id: '1', clientMsgId: 'c', to: 'bob', body };
    expect(ok(actions.send.request, { ...send, replyTo: 1, mentions: ['bob'] })).toBe(true);
    expect(ok(actions.send.request, { ...send, replyTo: 0 })).toBe(false);
    expect(ok(actions.send.request, { ...send, mentions: Array(51).fill('bob') })).toBe(false);
  });

  it('define the change reply and the new events', () => {
    // Act + Assess
    expect(ok(actions.edit.result, { message, seq: null })).toBe(true);
    expect(ok(actions.edit.result, { message })).toBe(false);
    expect(ok(events.groupUpdate, { ...message, version: 2, editedAt: 3 })).toBe(true);
    expect(ok(events.delivered, { conversationId: 'dm:ann:bob', userId: 'bob', upTo: 4 })).toBe(true);
    expect(ok(events.delivered, { conversationId: 'dm:ann:bob', userId: 'bob', upTo: 0 })).toBe(false);
  });
});
