import { deliveredSeqOf } from '../storage/claims.js';
import type { Storage } from '../storage/storage.js';
import { findItemAfter, placeRecalledItem, removeInlineCopy } from '../storage/timelines/index.js';

export interface CopiedMessage {
  msgId: string;
  conversationId: string;
  conversationSeq: number;
}

/**
 * Removes a user's copy of a recalled message from their timeline, wherever it is. The seq comes
 * from where the send recorded it (`knownSeq`: a direct message's `senderSeq`/`recipientSeq`, a
 * group sender's own `senderSeq`) or from the member's kept delivery claim. A copy whose seq was
 * closed while it was written moved further on; a copy not written yet is pre-empted: the seq gets
 * a recalled item, and the late writer finds its item already there.
 */
export async function removeCopy(storage: Storage, userId: string, message: CopiedMessage, now: number, knownSeq?: number): Promise<void> {
  const seq = knownSeq ?? (await deliveredSeqOf(storage, userId, message.msgId));
  if (seq === undefined) return;
  const ref = { conversationId: message.conversationId, cseq: message.conversationSeq };
  if (await removeInlineCopy(storage, userId, seq, message.msgId, ref)) return;
  if (await placeRecalledItem(storage, userId, seq, message.msgId, ref, now)) return;
  const moved = await findItemAfter(storage, userId, seq, message.msgId);
  if (moved !== undefined) await removeInlineCopy(storage, userId, moved, message.msgId, ref);
}
