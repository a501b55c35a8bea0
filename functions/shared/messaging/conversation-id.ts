import * as z from 'zod';
import { USER_ID_PATTERN } from '../protocol/identifiers.js';

/**
 * Conversation ids say what they are. A direct conversation's id is derived from its two user ids
 * (sorted, `dm:<a>:<b>`), so both sides and all devices agree on it without a lookup; `:` cannot
 * occur in a user id, which keeps the encoding unambiguous. Groups get `g:<random>`.
 */
export type ConversationRef =
  | { kind: 'direct'; id: string; members: [string, string] }
  | { kind: 'group'; id: string };

const DIRECT = /^dm:([A-Za-z0-9_.@-]{1,64}):([A-Za-z0-9_.@-]{1,64})$/;
const GROUP = /^g:[A-Za-z0-9_-]{8,40}$/;

export const conversationIdSchema = z
  .string()
  .max(140)
  .refine((value) => parseConversationId(value) !== undefined, 'is not a conversation id');

export function directConversationId(a: string, b: string): string {
  if (!USER_ID_PATTERN.test(a) || !USER_ID_PATTERN.test(b)) throw new Error('invalid user id');
  return a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`;
}

export function parseConversationId(id: string): ConversationRef | undefined {
  const direct = DIRECT.exec(id);
  if (direct) {
    const [, first, second] = direct as unknown as [string, string, string];
    // Only the canonical (sorted, distinct) form names a conversation.
    if (first >= second) return undefined;
    return { kind: 'direct', id, members: [first, second] };
  }
  if (GROUP.test(id)) return { kind: 'group', id };
  return undefined;
}

/** The other member of a direct conversation. */
export function peerOf(conversation: { members: [string, string] }, userId: string): string {
  return conversation.members[0] === userId ? conversation.members[1] : conversation.members[0];
}
