import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { BadRequestError } from '../errors/request-errors.js';
import { parseFrame, requestIdOf } from '../runtime/frames.js';
import { errorReplyOf } from '../runtime/replies.js';

/**
 * `$default`: API Gateway routes here every frame that is not JSON or names no known action.
 * The answer is always BAD_REQUEST; nothing is stored.
 */
export async function handler(event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResultV2> {
  let frame: Record<string, unknown> | undefined;
  let refusal: BadRequestError;
  try {
    frame = parseFrame(event.body);
    const action = frame.action;
    refusal = new BadRequestError(typeof action === 'string' ? `unknown action "${action.slice(0, 64)}"` : 'missing "action"', { reason: 'unknownAction' });
  } catch (error) {
    refusal = error instanceof BadRequestError ? error : new BadRequestError('bad frame', { reason: 'invalidFrame', cause: error });
  }
  return { statusCode: 200, body: JSON.stringify(errorReplyOf(refusal, requestIdOf(frame))) };
}
