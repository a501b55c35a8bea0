import type { ReadReceiptsResult } from '@serverless-im/protocol';
import { NotFoundError } from '../errors/request-errors.js';
import { requireMember } from '../membership/require-member.js';
import { getMessage, isBlocked, readDirectHead } from '../storage/conversations/index.js';
import { allGroupMembers } from '../storage/memberships.js';
import type { Storage } from '../storage/storage.js';
import { directDeliveredUpTo, directReadState, effectiveDeliveredUpTo, effectiveReadUpTo } from './read-state.js';

/** Conversations up to this size list who read a message. */
const LISTED_READERS = 100;

/** `readReceipts`: how many members have read up to a message and how many have received it, and who (small conversations). */
export async function readReceipts(storage: Storage, userId: string, conversationId: string, conversationSeq: number): Promise<ReadReceiptsResult> {
  const conversation = await requireMember(storage, userId, conversationId);
  const message = await getMessage(storage, conversationId, conversationSeq);
  if (!message) throw new NotFoundError('conversationSeq: no such message');
  let readers: string[];
  let receivers: string[];
  let memberCount: number;
  if (conversation.kind === 'direct') {
    const head = await readDirectHead(storage, conversationId);
    const others = conversation.members.filter((member) => member !== message.from);
    // While a block stands the caller is not told how far the peer read or received (receipts stop both ways).
    const reported = others.filter((member) => member === userId || !isBlocked(head));
    readers = reported.filter((member) => directReadState(head, conversation, member).readUpTo >= conversationSeq);
    // The peer's delivered position, as the author sees it.
    receivers = reported.filter(() => directDeliveredUpTo(head, conversation, message.from) >= conversationSeq);
    memberCount = others.length;
  } else {
    const members = (await allGroupMembers(storage, conversationId)).filter((member) => member.userId !== message.from);
    readers = members.filter((member) => effectiveReadUpTo(member) >= conversationSeq).map((member) => member.userId);
    receivers = members.filter((member) => effectiveDeliveredUpTo(member) >= conversationSeq).map((member) => member.userId);
    memberCount = members.length;
  }
  const receipts: ReadReceiptsResult = { conversationSeq, readCount: readers.length, memberCount, deliveredCount: receivers.length };
  if (memberCount <= LISTED_READERS) Object.assign(receipts, { readBy: readers, deliveredTo: receivers });
  return receipts;
}
