import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from '../../../functions/errors/request-errors.js';
import { callerOf } from '../../../functions/runtime/caller.js';

describe('the caller of a frame', () => {
  it('comes from the authorizer context API Gateway attaches', () => {
    expect(callerOf({ connectionId: 'c1', authorizer: { userId: 'ann', deviceId: 'phone' } })).toEqual({ userId: 'ann', deviceId: 'phone', connectionId: 'c1' });
    expect(callerOf({ connectionId: 'c1', authorizer: { userId: 'ann', deviceId: '' } }).deviceId).toBe('default');
  });

  it('is refused UNAUTHORIZED notAuthenticated without one', () => {
    for (const context of [{ connectionId: 'c1' }, { connectionId: 'c1', authorizer: { userId: '' } }, { authorizer: { userId: 'ann' } }, { connectionId: 'c1', authorizer: null }]) {
      let thrown: unknown;
      try {
        callerOf(context);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(UnauthorizedError);
      expect(thrown).toMatchObject({ code: 'UNAUTHORIZED', reason: 'notAuthenticated' });
    }
  });
});
