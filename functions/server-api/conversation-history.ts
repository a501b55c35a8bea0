import { HISTORY_LIMIT, type HistoryResult, parseConversationId } from '@serverless-im/protocol';
import { NotFoundError } from '../errors/request-errors.js';
import { withinBytes } from '../platform/reply-budget.js';
import { queryHistory, readGroupHead } from '../storage/conversations/index.js';
import type { Storage } from '../storage/storage.js';

/**
 * `GET /v1/conversations/{id}/messages`: `history` as the server reads it, for any conversation
 * and without anyone's `deletedForMe` marks (those are one member's view). A group is looked up
 * first (one GetItem) so a wrong id is NOT_FOUND rather than an empty page; a direct conversation
 * needs no lookup: any two users have one, empty until their first message.
 */
export async function conversationHistory(storage: Storage, conversationId: string, before: number | undefined, limit: number = HISTORY_LIMIT.default): Promise<HistoryResult> {
  const conversation = parseConversationId(conversationId);
  if (!conversation) throw new NotFoundError('no such conversation');
  const [head, page] = await Promise.all([
    conversation.kind === 'group' ? readGroupHead(storage, conversation.id) : Promise.resolve(undefined),
    queryHistory(storage, conversation.id, before, limit),
  ]);
  if (conversation.kind === 'group' && !head) throw new NotFoundError('no such group');
  const { items, cut } = withinBytes(page.items);
  return { items, hasMore: page.hasMore || cut };
}
