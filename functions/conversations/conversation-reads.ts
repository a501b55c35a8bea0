import type { HistoryResult, SyncConversationResult } from '@serverless-im/protocol';
import { requireMember } from '../membership/require-member.js';
import { latestCseq, queryConversationAfter, queryHistory } from '../storage/conversations/index.js';
import type { Storage } from '../storage/storage.js';

/** `history`: a conversation's messages before `before`, newest first, for members only. */
export async function history(storage: Storage, userId: string, conversationId: string, before: number | undefined, limit: number): Promise<HistoryResult> {
  await requireMember(storage, userId, conversationId);
  return queryHistory(storage, conversationId, before, limit);
}

/** `syncConversation`: a conversation's messages after `after`, ascending and contiguous, for members only. */
export async function syncConversation(storage: Storage, userId: string, conversationId: string, after: number, limit: number): Promise<SyncConversationResult> {
  await requireMember(storage, userId, conversationId);
  const [items, latest] = await Promise.all([queryConversationAfter(storage, conversationId, after, limit), latestCseq(storage, conversationId)]);
  const last = items.at(-1)?.conversationSeq ?? after;
  return { items, latest: Math.max(latest, last), hasMore: last < latest };
}
