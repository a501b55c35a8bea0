import { actions } from '@serverless-im/protocol';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { describeIssue, parseFrame, requestIdOf, schemaRefusal } from '../../../functions/runtime/frames.js';

z.config(en());

const refusalOf = (frame: unknown) => {
  const parsed = actions.send.request.safeParse(frame);
  if (parsed.success) throw new Error('expected the frame to fail its schema');
  return schemaRefusal(parsed.error);
};
const thrown = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
};
const send = (extra: Record<string, unknown>) => ({ action: 'send', id: 'r1', clientMsgId: 'c1', to: 'bob', body: { kind: 'text', text: 'hi' }, ...extra });

describe('frames at the edge', () => {
  it('parses a JSON object and refuses everything else as invalidFrame', () => {
    // Act + Assess
    expect(parseFrame('{"action":"ping","id":"1"}')).toEqual({ action: 'ping', id: '1' });
    for (const body of [undefined, null, '', 'not json', '[1,2]', '"text"', 'null', 'x'.repeat(128 * 1024 + 1)]) {
      expect(thrown(() => parseFrame(body)), String(body).slice(0, 20)).toMatchObject({ code: 'BAD_REQUEST', reason: 'invalidFrame' });
    }
  });

  it('echoes a request id only when it is a valid one', () => {
    expect(requestIdOf({ id: 'r1' })).toBe('r1');
    expect(requestIdOf({ id: '' })).toBeNull();
    expect(requestIdOf({ id: 'x'.repeat(65) })).toBeNull();
    expect(requestIdOf({ id: 7 })).toBeNull();
    expect(requestIdOf(undefined)).toBeNull();
  });

  it('answers a body over its limit with TOO_LARGE bodyTooLarge, so the client shortens it instead of fixing a field', () => {
    // Act
    const longText = refusalOf(send({ body: { kind: 'text', text: 'x'.repeat(4001) } }));
    const bigPayload = refusalOf(send({ body: { kind: 'custom', type: 't', payload: 'x'.repeat(16 * 1024) } }));
    // Assess
    expect(longText).toMatchObject({ code: 'TOO_LARGE', reason: 'bodyTooLarge' });
    expect(longText.message).toMatch(/^body\.text: /);
    expect(bigPayload).toMatchObject({ code: 'TOO_LARGE', reason: 'bodyTooLarge' });
  });

  it('answers every other schema failure with BAD_REQUEST invalidField, naming the field', () => {
    // Act
    const unknownField = refusalOf(send({ colour: 'red' }));
    const bothDestinations = refusalOf(send({ conversationId: 'dm:ann:bob' }));
    const emptyText = refusalOf(send({ body: { kind: 'text', text: '' } }));
    // Assess
    expect(unknownField).toMatchObject({ code: 'BAD_REQUEST', reason: 'invalidField', message: 'unknown field(s): colour' });
    expect(bothDestinations).toMatchObject({ code: 'BAD_REQUEST', reason: 'invalidField', message: 'to: exactly one of "to" and "conversationId" is required' });
    expect(emptyText).toMatchObject({ code: 'BAD_REQUEST', reason: 'invalidField' });
    expect(emptyText.cause).toBeInstanceOf(Error);
  });

  it('describes a frame-level issue as the frame', () => {
    const parsed = actions.ping.request.safeParse('not an object');
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(describeIssue(parsed.error)).toMatch(/^frame: /);
  });
});
