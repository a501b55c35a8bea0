import type { Body, ModerationRequest } from '@serverless-im/protocol';
import { describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../../functions/errors/request-errors.js';
import { type ModerationInvoker, type ModerationOutcome, moderator, type ModerationSubject, storedBodyIfReplaced } from '../../../functions/moderation/moderate.js';

const text = (value: string): Body => ({ kind: 'text', text: value });
const image: Body = { kind: 'image', attachmentId: 'a'.repeat(20), name: 'cat.png', size: 1000, contentType: 'image/png', caption: 'a darn cat' };
const subject = (body: Body, kind: 'message' | 'edit' = 'message'): ModerationSubject => ({ kind, sender: 'alice', conversationId: 'dm:alice:bob', body, msgId: 'm1', clientMsgId: 'c1' });

function run(answer: (request: ModerationRequest, signal: AbortSignal) => Promise<unknown>, fallback: 'allow' | 'deny' = 'deny', timeoutMs = 50) {
  const outcomes: ModerationOutcome[] = [];
  const requests: ModerationRequest[] = [];
  const invoke: ModerationInvoker = (request, signal) => {
    requests.push(request);
    return answer(request, signal);
  };
  return { moderate: moderator(invoke, { timeoutMs, fallback }, 'websocket', (outcome) => outcomes.push(outcome)), outcomes, requests };
}

const refusal = async (promise: Promise<unknown>): Promise<ForbiddenError> => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ForbiddenError);
  expect((error as ForbiddenError).reason).toBe('moderated');
  return error as ForbiddenError;
};

describe('moderator', () => {
  it('sends the versioned request with its source and deadline', async () => {
    const { moderate, requests } = run(async () => ({ decision: 'allow' }), 'deny', 123);
    await moderate(subject(text('hi')));
    expect(requests).toEqual([{ version: 1, kind: 'message', sender: 'alice', conversationId: 'dm:alice:bob', body: text('hi'), msgId: 'm1', clientMsgId: 'c1', source: 'websocket', deadlineMs: 123 }]);
  });

  it('allow keeps the body, deny refuses with the reason (cut to 200 characters), replace returns the replacement', async () => {
    expect(await run(async () => ({ decision: 'allow', score: 0.1 })).moderate(subject(text('hi')))).toEqual(text('hi'));
    const denied = await refusal(run(async () => ({ decision: 'deny', reason: `no ${'x'.repeat(500)}` })).moderate(subject(text('hi'))));
    expect(denied.message.length).toBeLessThan(240);
    expect(denied.message).toContain('refused by moderation: no x');
    await refusal(run(async () => ({ decision: 'deny' })).moderate(subject(text('hi'))));
    expect(await run(async () => ({ decision: 'replace', body: text('h*') })).moderate(subject(text('hi')))).toEqual(text('h*'));
  });

  it('a deny is the function’s decision even with fallback allow', async () => {
    await refusal(run(async () => ({ decision: 'deny' }), 'allow').moderate(subject(text('hi'))));
  });

  for (const [name, answer] of [
    ['a rejection (function error, throttle)', async () => Promise.reject(new Error('boom'))],
    ['no decision', async () => ({ decision: 'maybe' })],
    ['null', async () => null],
    ['a replacement the body schema refuses', async () => ({ decision: 'replace', body: { kind: 'text', text: '' } })],
    ['a replacement too long', async () => ({ decision: 'replace', body: text('x'.repeat(4001)) })],
    ['an attachment for a text', async () => ({ decision: 'replace', body: image })],
  ] as [string, () => Promise<unknown>][]) {
    it(`applies the fallback for ${name}`, async () => {
      const denying = run(answer, 'deny');
      const error = await refusal(denying.moderate(subject(text('hi'))));
      expect(error.message).toContain('could not be checked');
      expect(denying.outcomes).toEqual([expect.objectContaining({ decision: 'fallback', fallback: 'deny' })]);
      const allowing = run(answer, 'allow');
      expect(await allowing.moderate(subject(text('hi')))).toEqual(text('hi'));
      expect(allowing.outcomes).toEqual([expect.objectContaining({ decision: 'fallback', fallback: 'allow' })]);
    });
  }

  it('aborts a late call at the deadline and applies the fallback without waiting for it', async () => {
    let signal: AbortSignal | undefined;
    // Never settles by itself: only the deadline ends the wait.
    const { moderate, outcomes } = run((_request, given) => {
      signal = given;
      return new Promise(() => undefined);
    }, 'allow', 30);
    expect(await moderate(subject(text('hi')))).toEqual(text('hi'));
    expect(signal?.aborted).toBe(true);
    expect(outcomes).toEqual([expect.objectContaining({ decision: 'fallback', failure: 'timeout' })]);
  });

  it('an attachment keeps its attachment: caption redaction is fine, another object is not', async () => {
    const redacted = { ...image, caption: 'a **** cat' };
    expect(await run(async () => ({ decision: 'replace', body: redacted })).moderate(subject(image))).toEqual(redacted);
    for (const swapped of [{ ...image, attachmentId: 'b'.repeat(20) }, { ...image, size: 2000 }, text('no image'), { ...image, kind: 'file' }]) {
      await refusal(run(async () => ({ decision: 'replace', body: swapped })).moderate(subject(image)));
    }
  });

  it('an edit is only replaced by a text or custom body', async () => {
    const custom: Body = { kind: 'custom', type: 'card', payload: { hidden: true } };
    expect(await run(async () => ({ decision: 'replace', body: custom })).moderate(subject(text('hi'), 'edit'))).toEqual(custom);
    await refusal(run(async () => ({ decision: 'replace', body: image })).moderate(subject(text('hi'), 'edit')));
  });

  it('a send reply carries the stored body only when it differs from the one sent', () => {
    expect(storedBodyIfReplaced(text('a'), text('a'))).toEqual({});
    expect(storedBodyIfReplaced({ kind: 'custom', type: 't', payload: { b: 1, a: 2 } }, { kind: 'custom', type: 't', payload: { a: 2, b: 1 } })).toEqual({});
    expect(storedBodyIfReplaced(text('*'), text('a'))).toEqual({ body: text('*') });
    expect(storedBodyIfReplaced(undefined, text('a'))).toEqual({});
  });
});
