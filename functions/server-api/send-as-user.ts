import { type Body, parseConversationId, type SendResult } from '@serverless-im/protocol';
import type { AttachmentObjects } from '../attachments/object-store.js';
import { ForbiddenError, NotFoundError } from '../errors/request-errors.js';
import type { JobQueue } from '../fan-out/job-queue.js';
import type { Pusher } from '../push/pusher.js';
import { readGroupHead } from '../storage/conversations/index.js';
import type { SendDeps } from '../send/send-message.js';
import { sendTo } from '../send/send-to.js';

export interface SendAsUserInput {
  from: string;
  clientMsgId: string;
  to?: string;
  conversationId?: string;
  body: Body;
  replyTo?: number;
  mentions?: string[];
}

/**
 * Not a connection id API Gateway issues (those are 16 base64 characters ending in `=`): a server
 * send comes from no device, so every device of the sender gets the message pushed too.
 */
export const NO_CONNECTION = 'server-api';

/**
 * `POST /v1/messages`: the WebSocket `send` (`sendTo`, the same claim, commit point and delivery)
 * with `from` as the sender. The one difference is the answer for a group that does not exist: a
 * user gets FORBIDDEN `notMember` either way (an outsider learns nothing), the server NOT_FOUND,
 * checked only once the send was refused so a send that succeeds costs no extra read.
 */
export async function sendAsUser(
  deps: SendDeps & { pusher: Pusher; queue: () => JobQueue; attachments: () => AttachmentObjects },
  input: SendAsUserInput,
): Promise<SendResult> {
  const { from, ...request } = input;
  try {
    return await sendTo(deps, { ...request, sender: { userId: from, connectionId: NO_CONNECTION } });
  } catch (error) {
    if (error instanceof ForbiddenError && error.reason === 'notMember' && input.conversationId !== undefined) {
      const conversation = parseConversationId(input.conversationId);
      if (conversation?.kind === 'group' && !(await readGroupHead(deps.storage, conversation.id))) {
        throw new NotFoundError('conversationId: no such group', { cause: error });
      }
      throw new ForbiddenError('from: not a member of this conversation', { reason: 'notMember', cause: error });
    }
    throw error;
  }
}
