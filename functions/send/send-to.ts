import { type Body, type ConversationRef, directConversationId, isAttachmentBody, parseConversationId, peerOf, type SendResult } from '@serverless-im/protocol';
import { attachToMessage } from '../attachments/attach.js';
import type { AttachmentObjects } from '../attachments/object-store.js';
import { BadRequestError, ForbiddenError, NotFoundError } from '../errors/request-errors.js';
import type { JobQueue } from '../fan-out/job-queue.js';
import { isAdmin } from '../membership/roles.js';
import { notMember, requireMemberRow } from '../membership/require-member.js';
import type { Pusher } from '../push/pusher.js';
import { type GroupHead, latestCseq, readGroupHead } from '../storage/conversations/index.js';
import { existingMembers, type GroupMembership, roleOf } from '../storage/memberships.js';
import type { Storage } from '../storage/storage.js';
import { sendDirectMessage } from './send-direct.js';
import { sendGroupMessage } from './send-group.js';
import type { MessageReferences, SendDeps } from './send-message.js';

export interface SendToInput {
  sender: { userId: string; connectionId: string };
  clientMsgId: string;
  /** Exactly one of `to` (a user id: the direct conversation with them) and `conversationId`. */
  to?: string;
  conversationId?: string;
  body: Body;
  /** An earlier message of the same conversation this one answers. */
  replyTo?: number;
  /** Members of the conversation mentioned in the message. */
  mentions?: string[];
}

/** `send`, wherever it goes: resolves the destination (members only), then the direct or group path. */
export async function sendTo(
  deps: SendDeps & { pusher: Pusher; queue: () => JobQueue; attachments: () => AttachmentObjects },
  input: SendToInput,
): Promise<SendResult> {
  const sender = input.sender.userId;
  let conversation: ConversationRef;
  let head: GroupHead | undefined;
  if (input.to !== undefined) {
    if (input.to === sender) throw new BadRequestError('to: cannot send a direct message to yourself', { reason: 'invalidField' });
    conversation = parseConversationId(directConversationId(sender, input.to))!;
  } else {
    const checked = await requireMemberRow(deps.storage, sender, input.conversationId!);
    conversation = checked.conversation;
    if (conversation.kind === 'group') {
      // The reads a group send makes anyway (the sender's row, the head) decide it: no extra read.
      head = await readGroupHead(deps.storage, conversation.id);
      if (!head) throw notMember();
      if (head.onlyAdminsSend && !isAdmin(roleOf((checked.membership as Partial<GroupMembership> | undefined)?.role))) {
        throw new ForbiddenError('only the group owner and admins may send to this group', { reason: 'onlyAdminsSend' });
      }
    }
  }
  const references = await checkedReferences(deps.storage, conversation, input);
  // Only members get this far; nothing is stored before the attachment checks pass.
  if (isAttachmentBody(input.body)) {
    await attachToMessage({ objects: deps.attachments(), storage: deps.storage, clock: deps.clock }, sender, input.clientMsgId, input.body);
    await deps.checkpoint('send:attached');
  }
  const common = { sender: input.sender, clientMsgId: input.clientMsgId, body: input.body, references };
  if (conversation.kind === 'direct') {
    return sendDirectMessage(deps, { ...common, conversation, recipient: peerOf(conversation, sender) });
  }
  if (!head) throw notMember();
  return sendGroupMessage({ ...deps, queue: deps.queue() }, { ...common, head });
}

/**
 * What a message refers to, checked before anything is stored: `replyTo` must be a message of the
 * conversation (cseqs have no holes, so at most the newest one), `mentions` its members (each once).
 */
async function checkedReferences(storage: Storage, conversation: ConversationRef, input: SendToInput): Promise<MessageReferences> {
  const references: MessageReferences = {};
  if (input.replyTo !== undefined) {
    if (input.replyTo > (await latestCseq(storage, conversation.id, true))) throw new NotFoundError('replyTo: no such message in this conversation');
    references.replyTo = input.replyTo;
  }
  if (input.mentions !== undefined && input.mentions.length > 0) {
    const mentions = [...new Set(input.mentions)];
    const members = conversation.kind === 'direct' ? new Set<string>(conversation.members) : await existingMembers(storage, conversation.id, mentions);
    if (mentions.some((userId) => !members.has(userId))) throw new BadRequestError('mentions: only members of the conversation can be mentioned', { reason: 'invalidField' });
    references.mentions = mentions;
  }
  return references;
}
