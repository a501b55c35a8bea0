import { type Body, type ConversationRef, directConversationId, isAttachmentBody, parseConversationId, peerOf, type SendResult } from '@serverless-im/protocol';
import { attachToMessage } from '../attachments/attach.js';
import type { AttachmentObjects } from '../attachments/object-store.js';
import { BadRequestError } from '../errors/request-errors.js';
import type { JobQueue } from '../fan-out/job-queue.js';
import { notMember, requireMember } from '../membership/require-member.js';
import type { Pusher } from '../push/pusher.js';
import { readGroupHead } from '../storage/conversations/index.js';
import { sendDirectMessage } from './send-direct.js';
import { sendGroupMessage } from './send-group.js';
import type { SendDeps } from './send-message.js';

export interface SendToInput {
  sender: { userId: string; connectionId: string };
  clientMsgId: string;
  /** Exactly one of `to` (a user id: the direct conversation with them) and `conversationId`. */
  to?: string;
  conversationId?: string;
  body: Body;
}

/** `send`, wherever it goes: resolves the destination (members only), then the direct or group path. */
export async function sendTo(
  deps: SendDeps & { pusher: Pusher; queue: () => JobQueue; attachments: () => AttachmentObjects },
  input: SendToInput,
): Promise<SendResult> {
  const sender = input.sender.userId;
  let conversation: ConversationRef;
  if (input.to !== undefined) {
    if (input.to === sender) throw new BadRequestError('to: cannot send a direct message to yourself', { reason: 'invalidField' });
    conversation = parseConversationId(directConversationId(sender, input.to))!;
  } else {
    conversation = await requireMember(deps.storage, sender, input.conversationId!);
  }
  // Only members get this far; nothing is stored before the attachment checks pass.
  if (isAttachmentBody(input.body)) await attachToMessage(deps.attachments(), sender, input.body);
  const common = { sender: input.sender, clientMsgId: input.clientMsgId, body: input.body };
  if (conversation.kind === 'direct') {
    return sendDirectMessage(deps, { ...common, conversation, recipient: peerOf(conversation, sender) });
  }
  const head = await readGroupHead(deps.storage, conversation.id);
  if (!head) throw notMember();
  return sendGroupMessage({ ...deps, queue: deps.queue() }, { ...common, head });
}
