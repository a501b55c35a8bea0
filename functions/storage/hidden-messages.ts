import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { MAX_HIDDEN_PER_CONVERSATION } from '@serverless-im/protocol';
import { writeIfConditionHolds } from './conditions.js';
import type { Storage } from './storage.js';

/**
 * The messages a user hid for themselves (`deleteForMe`), per conversation: one item in the
 * Memberships table under the partition `hidden#<userId>` (a `#` never occurs in a user id, so
 * these rows never mix with the user's memberships), sort key the conversationId, holding a number
 * set of cseqs. Only `history` and `syncConversation` read it, to mark those messages `deletedForMe`
 * for their owner (`conversations` uses the membership row's `hiddenMax` instead).
 */
export const hiddenKey = (userId: string, conversationId: string) => ({ userId: `hidden#${userId}`, conversationId });


/**
 * Adds `cseqs` to the user's hidden set of the conversation (a set: adding again changes nothing).
 * False when the set could grow past MAX_HIDDEN_PER_CONVERSATION (which keeps the item, and every
 * read of it, small).
 */
export async function hideMessages(storage: Storage, userId: string, conversationId: string, cseqs: readonly number[]): Promise<boolean> {
  return writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.memberships,
        Key: hiddenKey(userId, conversationId),
        UpdateExpression: 'ADD seqs :seqs',
        ConditionExpression: 'attribute_not_exists(seqs) OR size(seqs) <= :room',
        ExpressionAttributeValues: { ':seqs': new Set(cseqs), ':room': MAX_HIDDEN_PER_CONVERSATION - cseqs.length },
      }),
    ),
  );
}

/** The cseqs the user hid in the conversation (empty when none). */
export async function hiddenMessagesOf(storage: Storage, userId: string, conversationId: string, consistent = false): Promise<ReadonlySet<number>> {
  const result = await storage.db.send(new GetCommand({ TableName: storage.tables.memberships, Key: hiddenKey(userId, conversationId), ConsistentRead: consistent }));
  const seqs = result.Item?.seqs;
  return seqs instanceof Set ? new Set([...seqs].map(Number)) : new Set();
}

