import type { MuteResult } from '@serverless-im/protocol';
import { NotFoundError } from '../errors/request-errors.js';
import { requireMember } from '../membership/require-member.js';
import { setMutedUntil } from '../storage/memberships.js';
import type { Storage } from '../storage/storage.js';

/**
 * `mute`: the user's mute of one conversation, kept on their Memberships row, so it holds for
 * every device of theirs and the notification worker reads it with the row it reads anyway.
 * A direct conversation has rows only from its first message on: before that there is nothing
 * to mute (NOT_FOUND), and nothing to notify about either.
 */
export async function muteConversation(storage: Storage, userId: string, conversationId: string, until: number | null): Promise<MuteResult> {
  await requireMember(storage, userId, conversationId);
  if (!(await setMutedUntil(storage, userId, conversationId, until))) {
    throw new NotFoundError('the conversation has no messages yet: send or receive one before muting it');
  }
  return { mutedUntil: until };
}

/** Whether a mute stored as `mutedUntil` silences notifications at `now`. */
export const isMuted = (mutedUntil: number | undefined, now: number): boolean => mutedUntil !== undefined && mutedUntil > now;
