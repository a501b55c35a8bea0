import { forbidden } from '../protocol/errors.js';
import type { Storage } from '../storage/tables.js';
import { type ConversationRef, parseConversationId } from './conversation-id.js';
import { getMembership } from './membership-store.js';

/**
 * The conversation, if `userId` belongs to it; FORBIDDEN otherwise. The same answer for a
 * conversation that does not exist, so a refusal never tells an outsider what exists.
 */
export async function requireMember(storage: Storage, userId: string, conversationId: string): Promise<ConversationRef> {
  const conversation = parseConversationId(conversationId);
  const refuse = forbidden('not a member of this conversation');
  if (!conversation) throw refuse;
  if (conversation.kind === 'direct') {
    if (!conversation.members.includes(userId)) throw refuse;
    return conversation;
  }
  if (!(await getMembership(storage, userId, conversationId))) throw refuse;
  return conversation;
}
