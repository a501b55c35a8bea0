import { errorReplySchema } from '@serverless-im/protocol';
import { describe, expect, it } from 'vitest';
import { ConflictError, ForbiddenError, RateLimitedError } from '../../../functions/errors/request-errors.js';
import { RecipientsFailedError } from '../../../functions/fan-out/errors.js';
import { errorReplyOf, okReply } from '../../../functions/runtime/replies.js';
import { ConversationBusyError } from '../../../functions/storage/errors.js';

describe('error replies at the edge', () => {
  it('answers a refused request with its code, reason, retryAfterMs and message', () => {
    // Prepare
    const inProgress = new ConflictError('still in progress', { reason: 'inProgress', retryAfterMs: 1234.2 });
    // Act
    const reply = errorReplyOf(inProgress, 'r1');
    // Assess
    expect(reply).toEqual({ id: 'r1', ok: false, error: { code: 'CONFLICT', message: 'still in progress', reason: 'inProgress', retryAfterMs: 1235 } });
    expect(errorReplySchema.safeParse(reply).success).toBe(true);
  });

  it('leaves out what a refusal does not have', () => {
    expect(errorReplyOf(new ForbiddenError('no'), null)).toEqual({ id: null, ok: false, error: { code: 'FORBIDDEN', message: 'no' } });
  });

  it('answers anything else INTERNAL, without its message', () => {
    for (const error of [new ConversationBusyError('g:secret-name'), new RecipientsFailedError([{ userId: 'bob', error: new Error('x') }]), new Error('table Foo not found'), 'a string']) {
      // Act
      const reply = errorReplyOf(error, 'r2');
      // Assess
      expect(reply).toEqual({ id: 'r2', ok: false, error: { code: 'INTERNAL', message: 'internal error, retry later' } });
      expect(errorReplySchema.safeParse(reply).success).toBe(true);
    }
  });

  it('never lets a negative wait through', () => {
    expect(errorReplyOf(new RateLimitedError('slow down', { reason: 'connectionRate', retryAfterMs: -5 }), 'r3').error.retryAfterMs).toBe(0);
  });

  it('wraps reply data', () => {
    expect(okReply('r1', { ts: 1 })).toEqual({ id: 'r1', ok: true, data: { ts: 1 } });
  });
});
