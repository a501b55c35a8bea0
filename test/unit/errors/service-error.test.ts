import { describe, expect, it } from 'vitest';
import { InvalidTokenError } from '../../../functions/auth/token-verifier.js';
import { BadRequestError, isRequestError, RequestError, TooLargeError } from '../../../functions/errors/request-errors.js';
import { InternalError, isServiceError, ServiceError } from '../../../functions/errors/service-error.js';
import { JobsRefusedError } from '../../../functions/fan-out/errors.js';
import { MissingEnvironmentError, requiredEnv } from '../../../functions/platform/env.js';
import { ConversationBusyError } from '../../../functions/storage/errors.js';

describe('the error hierarchy', () => {
  it('gives every error a stable code and its class name, and keeps the cause', () => {
    // Prepare
    const cause = new Error('ConditionalCheckFailedException');
    // Act
    const refusal = new TooLargeError('a group has at most 10 members', { reason: 'groupFull', cause });
    // Assess
    expect(refusal).toBeInstanceOf(RequestError);
    expect(refusal).toBeInstanceOf(ServiceError);
    expect(refusal).toMatchObject({ code: 'TOO_LARGE', reason: 'groupFull', name: 'TooLargeError', message: 'a group has at most 10 members' });
    expect(refusal.cause).toBe(cause);
    expect(new BadRequestError('x').cause).toBeUndefined();
  });

  it('tells refusals (answered with their code) from internal failures (answered INTERNAL)', () => {
    // Prepare
    const internal = [new ConversationBusyError('g:abcdefgh'), new JobsRefusedError([]), new MissingEnvironmentError('X')];
    // Act + Assess
    for (const error of internal) {
      expect(error).toBeInstanceOf(InternalError);
      expect(isServiceError(error)).toBe(true);
      expect(isRequestError(error)).toBe(false);
    }
    expect(internal.map((error) => error.code)).toEqual(['CONVERSATION_BUSY', 'JOBS_REFUSED', 'MISSING_ENVIRONMENT']);
    expect(isRequestError(new BadRequestError('x'))).toBe(true);
    expect(isServiceError(new Error('x'))).toBe(false);
    expect(new InvalidTokenError('jwt expired')).toMatchObject({ code: 'INVALID_TOKEN', name: 'InvalidTokenError' });
  });

  it('names a missing environment variable', () => {
    expect(() => requiredEnv('SURELY_NOT_SET_IN_TESTS')).toThrow(MissingEnvironmentError);
  });
});
