import { type ConversationRef, parseConversationId } from '@serverless-im/protocol';
import { ForbiddenError } from '../errors/request-errors.js';
import { getMembership, type MembershipRecord } from '../storage/memberships.js';
import type { Storage } from '../storage/storage.js';

/** The one refusal for a conversation the caller is not in, whether or not it exists. */
export const notMember = (): ForbiddenError => new ForbiddenError('not a member of this conversation', { reason: 'notMember' });

/**
 * The conversation, if `userId` belongs to it; FORBIDDEN otherwise. The same answer for a
 * conversation that does not exist, so a refusal never tells an outsider what exists.
 */
export async function requireMember(storage: Storage, userId: string, conversationId: string): Promise<ConversationRef> {
  return (await requireMemberRow(storage, userId, conversationId)).conversation;
}

/**
 * As `requireMember`, with the caller's row when the check read one (groups): its `role` decides
 * what a member may do there, at no extra read.
 */
export async function requireMemberRow(storage: Storage, userId: string, conversationId: string): Promise<{ conversation: ConversationRef; membership?: MembershipRecord }> {
  const conversation = parseConversationId(conversationId);
  if (!conversation) throw notMember();
  if (conversation.kind === 'direct') {
    if (!conversation.members.includes(userId)) throw notMember();
    return { conversation };
  }
  const membership = await getMembership(storage, userId, conversationId);
  if (!membership) throw notMember();
  return { conversation, membership };
}
