import { parseConversationId } from '@serverless-im/protocol';
import { finishDirectDelivery, type SendDirectDeps } from '../send/send-direct.js';
import { enqueueGroupDelivery, finishGroupDelivery, type SendGroupDeps } from '../send/send-group.js';
import { batchGetAll } from '../storage/batch.js';
import { type DirectConversation, directHeadOf, fromMessageRecord, groupHeadOf, headKey, type MessageRecord, sideOf } from '../storage/conversations/index.js';
import type { Storage } from '../storage/storage.js';

export type RepairDeps = SendDirectDeps & SendGroupDeps;

/**
 * What the repair found: `complete` (every write after the commit point is there; for a write
 * fan-out group the jobs were queued again, which SQS drops as duplicates), `repaired` (it
 * finished what the send left undone), `gone` (the conversation has no head: nothing to deliver to).
 */
export type RepairOutcome = 'complete' | 'repaired' | 'gone';

/**
 * Finishes the delivery of a stored message whose sender's function died after the commit point
 * and was never retried (the app was killed): the message is durable, but timeline items, head
 * positions or fan-out jobs may be missing. Run from the Conversations stream some time after the
 * commit (the mapping's batching window), so a send in progress has normally finished; if not,
 * both write the same idempotent steps. The check is a few eventually consistent reads: missing
 * what was just written only costs a rerun of idempotent writes.
 */
export async function repairDelivery(deps: RepairDeps, record: MessageRecord): Promise<RepairOutcome> {
  const ref = parseConversationId(record.conversationId);
  if (!ref) return 'gone';
  if (ref.kind === 'direct') {
    if (await directDeliveryComplete(deps.storage, ref, record)) return 'complete';
    await finishDirectDelivery(deps, ref, record, { recovering: true });
    return 'repaired';
  }
  const [headItem] = await batchGetAll(deps.storage.db, deps.storage.tables.conversations, [headKey(record.conversationId)]);
  if (!headItem) return 'gone';
  const head = groupHeadOf(headItem);
  if (await groupPositionsComplete(deps.storage, record, head.lastCseq)) {
    // Whether the jobs were queued leaves no trace: queue them again. Their deduplication ids are
    // the send's, so within SQS's 5-minute window (the repair runs well inside it) they are dropped.
    await enqueueGroupDelivery(deps, head, fromMessageRecord(record), record.fanOut === 'write', {});
    return 'complete';
  }
  await finishGroupDelivery(deps, head, record, { recovering: true });
  return 'repaired';
}

/** Both timeline items hold the message at the seqs it records, and the head has the sender's position and the listing. */
async function directDeliveryComplete(storage: Storage, conversation: DirectConversation, record: MessageRecord): Promise<boolean> {
  const recipient = conversation.members[0] === record.from ? conversation.members[1] : conversation.members[0];
  const [items, heads] = await Promise.all([
    batchGetAll(storage.db, storage.tables.timelines, [
      { userId: record.from, seq: record.senderSeq },
      { userId: recipient, seq: record.recipientSeq },
    ], { projection: 'userId, itemKey' }),
    batchGetAll(storage.db, storage.tables.conversations, [headKey(record.conversationId)]),
  ]);
  const holdsMessage = (userId: string): boolean => items.some((item) => item.userId === userId && item.itemKey === record.msgId);
  const head = directHeadOf(heads[0]);
  const own = sideOf(conversation, record.from) === 'Lo' ? head.ownLo : head.ownHi;
  return holdsMessage(record.from) && holdsMessage(recipient) && own >= record.cseq && head.listed;
}

/** The sender's timeline item (write fan-out), the sender's own position and the group's newest cseq are there. */
async function groupPositionsComplete(storage: Storage, record: MessageRecord, lastCseq: number): Promise<boolean> {
  if (lastCseq < record.cseq) return false;
  const [items, memberships] = await Promise.all([
    record.fanOut === 'write'
      ? batchGetAll(storage.db, storage.tables.timelines, [{ userId: record.from, seq: record.senderSeq }], { projection: 'itemKey' })
      : Promise.resolve(undefined),
    batchGetAll(storage.db, storage.tables.memberships, [{ userId: record.from, conversationId: record.conversationId }], { projection: 'ownLast' }),
  ]);
  if (items && items[0]?.itemKey !== record.msgId) return false;
  // A sender who has left since has no row to move.
  const membership = memberships[0];
  return membership === undefined || Number(membership.ownLast ?? 0) >= record.cseq;
}
