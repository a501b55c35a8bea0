import { createHash } from 'node:crypto';
import type { DeleteForMeResult } from '@serverless-im/protocol';
import { NotFoundError, TooLargeError } from '../errors/request-errors.js';
import { requireMember } from '../membership/require-member.js';
import type { Checkpoint } from '../platform/checkpoints.js';
import type { Pusher } from '../push/pusher.js';
import { latestCseq } from '../storage/conversations/index.js';
import { hiddenMessagesOf, hideMessages } from '../storage/hidden-messages.js';
import { recordHiddenMax } from '../storage/memberships.js';
import type { Storage } from '../storage/storage.js';
import { deleteForMeRecord } from '../storage/timelines/index.js';
import { appendOnce } from '../timeline/append-once.js';

export interface DeleteForMeDeps {
  storage: Storage;
  pusher: Pusher;
  clock: () => number;
  checkpoint: Checkpoint;
}

export interface DeleteForMeInput {
  actor: { userId: string; connectionId: string };
  conversationId: string;
  conversationSeqs: readonly number[];
}

/**
 * The timeline item key of one deleteForMe request: the same conversation and set of cseqs give
 * the same key, so a retried request finds the delivery claim of its first attempt and writes no
 * second item. Hashed: a hundred cseqs would not fit a claim key comfortably.
 */
export const deleteForMeItemKey = (conversationId: string, cseqs: readonly number[]): string =>
  `deleteForMe:${createHash('sha256').update(`${conversationId}\n${cseqs.join(',')}`).digest('base64url')}`;

/**
 * `deleteForMe`: hides messages on the caller's own devices. The cseqs join the caller's hidden
 * set of the conversation (a set, so a retry adds nothing; `history` and `syncConversation` mark
 * them `deletedForMe` from it) and raise the membership row's `hiddenMax` (`conversations` marks a
 * hidden last message from it); then a `deleteForMe` item goes into the
 * caller's timeline exactly once (a delivery claim keyed by the request's content), so every
 * device of the caller applies it with `sync`, offline ones included. Nobody else sees a change.
 */
export async function deleteForMe(deps: DeleteForMeDeps, input: DeleteForMeInput): Promise<DeleteForMeResult> {
  const { storage } = deps;
  const userId = input.actor.userId;
  const conversation = await requireMember(storage, userId, input.conversationId);
  const cseqs = [...new Set(input.conversationSeqs)].sort((a, b) => a - b);
  // Strongly consistent: a message sent a moment ago (by another device) may be hidden at once.
  if (cseqs.at(-1)! > (await latestCseq(storage, conversation.id, true))) throw new NotFoundError('conversationSeqs: no such message');
  if (!(await hideMessages(storage, userId, conversation.id, cseqs))) {
    // Near the limit a retry would be refused although it adds nothing: answer it as the first attempt.
    const hidden = await hiddenMessagesOf(storage, userId, conversation.id, true);
    if (!cseqs.every((cseq) => hidden.has(cseq))) throw new TooLargeError('this conversation has as many messages hidden as it can keep', { reason: 'tooManyHidden' });
  }
  // For `conversations`, whose last message may be among them (a retry raises it again, harmlessly).
  await recordHiddenMax(storage, userId, conversation.id, cseqs.at(-1)!);
  await deps.checkpoint('deleteForMe:hidden');
  const now = deps.clock();
  const deleted = { conversationId: conversation.id, conversationSeqs: cseqs };
  const seq = await appendOnce(storage, deleteForMeRecord(userId, deleteForMeItemKey(conversation.id, cseqs), now, deleted), now, { kind: 'claim' });
  await deps.checkpoint('deleteForMe:item-written');
  await deps.pusher.pushToUsers([userId], { event: 'message', data: { seq, type: 'deleteForMe', deleted } }, { exceptConnectionId: input.actor.connectionId });
  return { seq };
}
