import { UnauthorizedError } from '../errors/request-errors.js';

/** Who sent a frame: taken from the authorizer context API Gateway attaches, never from the frame. */
export interface Caller {
  userId: string;
  deviceId: string;
  connectionId: string;
}

interface RequestContextWithAuthorizer {
  connectionId?: string;
  authorizer?: Record<string, unknown> | null;
}

export function callerOf(requestContext: RequestContextWithAuthorizer): Caller {
  const authorizer = requestContext.authorizer ?? {};
  const userId = authorizer.userId;
  const deviceId = authorizer.deviceId;
  const connectionId = requestContext.connectionId;
  if (typeof userId !== 'string' || userId === '' || typeof connectionId !== 'string') {
    throw new UnauthorizedError('connection is not authenticated', { reason: 'notAuthenticated' });
  }
  return { userId, deviceId: typeof deviceId === 'string' && deviceId !== '' ? deviceId : 'default', connectionId };
}
