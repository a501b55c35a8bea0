import type { ConversationState } from './conversations.js';

/**
 * Where one of the user's own messages is: `queued` (in the outbox, not transmitted yet),
 * `sending` (transmitted or being retried), `sent` (stored on the server), `delivered` (a device
 * of another member has it), `read` (another member read it), or `failed` (refused for good;
 * `reason` is the server's code and reason).
 *
 * In a group, `delivered` and `read` mean at least one other member (the counts are in
 * `readReceipts`).
 */
export type MessageState = 'queued' | 'sending' | 'sent' | 'delivered' | 'read' | 'failed';

export interface MessageStatus {
  state: MessageState;
  /** `failed` only: e.g. `FORBIDDEN notMember`. */
  reason?: string;
}

/** The status of a stored message of this user, from what the conversation's receipts say. */
export function storedMessageStatus(conversation: ConversationState | undefined, conversationSeq: number, userId: string): MessageStatus {
  if (!conversation) return { state: 'sent' };
  const others = (positions: Record<string, number>) => Object.entries(positions).some(([member, upTo]) => member !== userId && upTo >= conversationSeq);
  if (others(conversation.readBy)) return { state: 'read' };
  if (others(conversation.deliveredBy)) return { state: 'delivered' };
  return { state: 'sent' };
}
