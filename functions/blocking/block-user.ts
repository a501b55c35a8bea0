import { directConversationId, MAX_BLOCKED_USERS, parseConversationId } from '@serverless-im/protocol';
import { BadRequestError, TooLargeError } from '../errors/request-errors.js';
import { type DirectConversation, recordBlock, recordUnblock } from '../storage/conversations/index.js';
import type { Storage } from '../storage/storage.js';

/** The direct conversation of the pair (it need not exist: a block can precede any message). */
function pairOf(userId: string, other: string): DirectConversation {
  if (other === userId) throw new BadRequestError('userId: you cannot block yourself', { reason: 'invalidField' });
  return parseConversationId(directConversationId(userId, other)) as DirectConversation;
}

/**
 * `block`: from now on no direct message, typing, read or delivered receipt and no presence passes
 * between the two users, both ways, until `unblock`. Idempotent. Whether `other` exists is not
 * looked at (the answer must not tell).
 */
export async function blockUser(storage: Storage, userId: string, other: string): Promise<Record<string, never>> {
  if ((await recordBlock(storage, pairOf(userId, other), userId, other)) === 'listFull') {
    throw new TooLargeError(`you already block ${MAX_BLOCKED_USERS} users: unblock someone first`, { reason: 'tooManyBlocked' });
  }
  return {};
}

/** `unblock`: undoes `block`; unblocking someone not blocked changes nothing. */
export async function unblockUser(storage: Storage, userId: string, other: string): Promise<Record<string, never>> {
  await recordUnblock(storage, pairOf(userId, other), userId, other);
  return {};
}
