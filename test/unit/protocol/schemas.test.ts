import { actions, errorReplySchema, events, timelineItemSchema } from '@serverless-im/protocol';
import { describe, expect, it } from 'vitest';

const ok = (schema: { safeParse(value: unknown): { success: boolean } }, value: unknown) => schema.safeParse(value).success;
const body = { kind: 'text', text: 'hi' };

describe('protocol schemas', () => {
  it('want exactly one destination for send', () => {
    // Act + Assess
    expect(ok(actions.send.request, { action: 'send', id: '1', clientMsgId: 'c', to: 'bob', body })).toBe(true);
    expect(ok(actions.send.request, { action: 'send', id: '1', clientMsgId: 'c', conversationId: 'g:abcdefgh', body })).toBe(true);
    expect(ok(actions.send.request, { action: 'send', id: '1', clientMsgId: 'c', body })).toBe(false);
    expect(ok(actions.send.request, { action: 'send', id: '1', clientMsgId: 'c', to: 'bob', conversationId: 'g:abcdefgh', body })).toBe(false);
  });

  it('fill in page sizes and trim titles as the server reads them', () => {
    expect(actions.sync.request.parse({ action: 'sync', id: '1', after: 0 }).limit).toBe(100);
    expect(actions.history.request.parse({ action: 'history', id: '1', conversationId: 'dm:ann:bob' }).limit).toBe(50);
    expect(actions.createGroup.request.parse({ action: 'createGroup', id: '1', title: '  team ', members: [] }).title).toBe('team');
    expect(ok(actions.createGroup.request, { action: 'createGroup', id: '1', title: '   ', members: [] })).toBe(false);
  });

  it('say a large group’s send has no timeline seq (null, not absent)', () => {
    const reply = { msgId: 'm1', conversationId: 'g:abcdefgh', conversationSeq: 1, ts: 1 };
    expect(ok(actions.send.result, { ...reply, seq: null })).toBe(true);
    expect(ok(actions.send.result, { ...reply, seq: 3 })).toBe(true);
    expect(ok(actions.send.result, reply)).toBe(false);
  });

  it('keep a timeline item’s type and content together', () => {
    const message = { msgId: 'm1', conversationId: 'dm:ann:bob', conversationSeq: 1, from: 'ann', body, ts: 1, clientMsgId: 'c1' };
    expect(ok(timelineItemSchema, { seq: 1, type: 'message', message })).toBe(true);
    expect(ok(timelineItemSchema, { seq: 1, type: 'void' })).toBe(true);
    expect(ok(timelineItemSchema, { seq: 1, type: 'message' })).toBe(false);
    expect(ok(timelineItemSchema, { seq: 1, type: 'void', message })).toBe(false);
    expect(ok(timelineItemSchema, { seq: 0, type: 'void' })).toBe(false);
  });

  it('allow a reason only with the code that carries it', () => {
    const reply = (code: string, reason?: string) => ({ id: null, ok: false, error: { code, message: 'x', ...(reason ? { reason } : {}) } });
    expect(ok(errorReplySchema, reply('CONFLICT', 'inProgress'))).toBe(true);
    expect(ok(errorReplySchema, reply('FORBIDDEN', 'notMember'))).toBe(true);
    expect(ok(errorReplySchema, reply('INTERNAL'))).toBe(true);
    expect(ok(errorReplySchema, reply('FORBIDDEN', 'inProgress'))).toBe(false);
    expect(ok(errorReplySchema, reply('TEAPOT'))).toBe(false);
  });

  it('define the closing signal', () => {
    expect(ok(events.closing, { reason: 'tokenExpired', retry: true })).toBe(true);
    expect(ok(events.closing, { reason: 'bored', retry: false })).toBe(false);
  });
});
