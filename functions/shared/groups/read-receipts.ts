import { notFound } from '../protocol/errors.js';
import type { Storage } from '../storage/tables.js';
import { directReadState, readDirectHead } from '../messaging/direct-conversation-head.js';
import { getMessage } from '../messaging/message-store.js';
import { requireMember } from '../messaging/membership-check.js';
import { allGroupMembers, effectiveReadUpTo } from './group-members.js';

export interface ReadReceipts {
  conversationSeq: number;
  /** Members other than the author who have read up to this message. */
  readCount: number;
  /** Members other than the author. */
  memberCount: number;
  /** Who read it, for conversations of up to 100 members. */
  readBy?: string[];
}

const LISTED_READERS = 100;

/** `readReceipts`: how many members have read up to a message, and who (small conversations). */
export async function readReceipts(storage: Storage, userId: string, conversationId: string, conversationSeq: number): Promise<ReadReceipts> {
  const conversation = await requireMember(storage, userId, conversationId);
  const message = await getMessage(storage, conversationId, conversationSeq);
  if (!message) throw notFound('conversationSeq: no such message');
  let readers: string[];
  let memberCount: number;
  if (conversation.kind === 'direct') {
    const head = await readDirectHead(storage, conversationId);
    const others = conversation.members.filter((member) => member !== message.from);
    readers = others.filter((member) => directReadState(head, conversation, member).readUpTo >= conversationSeq);
    memberCount = others.length;
  } else {
    const members = (await allGroupMembers(storage, conversationId)).filter((member) => member.userId !== message.from);
    readers = members.filter((member) => effectiveReadUpTo(member) >= conversationSeq).map((member) => member.userId);
    memberCount = members.length;
  }
  const receipts: ReadReceipts = { conversationSeq, readCount: readers.length, memberCount };
  if (memberCount <= LISTED_READERS) receipts.readBy = readers;
  return receipts;
}
