import { peerOf } from '@serverless-im/protocol';
import { requireMember } from '../membership/require-member.js';
import type { Pusher } from '../push/pusher.js';
import { hasMessages, isBlocked, readDirectHead, readGroupHead } from '../storage/conversations/index.js';
import { allGroupMembers } from '../storage/memberships.js';
import type { Storage } from '../storage/storage.js';

/**
 * Groups up to this size relay typing to every member. Beyond it a typing signal would cost a
 * device lookup per member for something nobody can follow in a crowd, so it is not relayed.
 */
export const TYPING_RELAY_MAX_MEMBERS = 100;

/**
 * `typing`: an ephemeral signal to the other members; never stored. Members only (FORBIDDEN
 * otherwise). A direct conversation id names its two members, so anyone could form one with a
 * stranger: typing is relayed there only once the conversation has a message, and never while
 * either member blocks the other (one head read). Not relaying is silent, the reply is the same,
 * so the caller cannot learn about a block from it.
 */
export async function relayTyping(deps: { storage: Storage; pusher: Pusher }, userId: string, conversationId: string): Promise<void> {
  const conversation = await requireMember(deps.storage, userId, conversationId);
  const event = { event: 'typing', data: { conversationId: conversation.id, userId } } as const;
  if (conversation.kind === 'direct') {
    const head = await readDirectHead(deps.storage, conversation.id);
    if (hasMessages(head) && !isBlocked(head)) await deps.pusher.pushToUsers([peerOf(conversation, userId)], event);
    return;
  }
  const head = await readGroupHead(deps.storage, conversation.id);
  if (head && !head.large && head.memberCount <= TYPING_RELAY_MAX_MEMBERS) {
    const others = (await allGroupMembers(deps.storage, conversation.id)).map((member) => member.userId).filter((member) => member !== userId);
    await deps.pusher.pushToUsers(others, event);
  }
}
