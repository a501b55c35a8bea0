import { describe, expect, it } from 'vitest';
import { ImError, isConflictWithAnotherConversation } from '../src/errors.js';

describe('ImError', () => {
  it('carries the server reason and retryAfterMs; unknown codes map to INTERNAL', () => {
    const error = ImError.fromReply({ code: 'RATE_LIMITED', message: 'slow down', reason: 'sendRate', retryAfterMs: 1500 }, 'send');
    expect(error).toMatchObject({ code: 'RATE_LIMITED', reason: 'sendRate', retryAfterMs: 1500, action: 'send', serverCode: 'RATE_LIMITED' });
    expect(ImError.fromReply({ code: 'NEW_CODE', message: '' })).toMatchObject({ code: 'INTERNAL', serverCode: 'NEW_CODE', message: 'NEW_CODE', reason: undefined });
    expect(ImError.fromReply({ code: 'CONFLICT', message: 'x', reason: 7, retryAfterMs: -1 })).toMatchObject({ reason: undefined, retryAfterMs: undefined });
    const cause = new Error('root');
    expect((new ImError('INTERNAL', 'wrapped', { cause }) as { cause?: unknown }).cause).toBe(cause);
  });

  it('tells the two CONFLICTs apart by reason alone, never by message; no reason counts as in progress (retries are bounded)', () => {
    const conflict = (message: string, reason?: string) => ImError.fromReply({ code: 'CONFLICT', message, ...(reason ? { reason } : {}) });
    expect(isConflictWithAnotherConversation(conflict('whatever', 'clientMsgIdReused'))).toBe(true);
    expect(isConflictWithAnotherConversation(conflict('used for another conversation', 'inProgress'))).toBe(false);
    expect(isConflictWithAnotherConversation(conflict('already used for a message to another conversation'))).toBe(false);
    expect(isConflictWithAnotherConversation(conflict('still in progress'))).toBe(false);
  });
});
