import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { ProtocolError } from '../shared/protocol/errors.js';
import { parseFrame, requestIdOf } from '../shared/protocol/frame.js';
import { errorReply } from '../shared/protocol/replies.js';

/**
 * `$default`: API Gateway routes here every frame that is not JSON or names no known action.
 * The answer is always BAD_REQUEST; nothing is stored.
 */
export async function handler(event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResultV2> {
  let frame: Record<string, unknown> | undefined;
  let message: string;
  try {
    frame = parseFrame(event.body);
    const action = frame.action;
    message = typeof action === 'string' ? `unknown action "${action.slice(0, 64)}"` : 'missing "action"';
  } catch (error) {
    message = error instanceof ProtocolError ? error.message : 'bad frame';
  }
  return { statusCode: 200, body: JSON.stringify(errorReply(requestIdOf(frame), 'BAD_REQUEST', message)) };
}
