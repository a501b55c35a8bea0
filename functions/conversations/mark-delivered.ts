import { type ConversationRef, type DeliveredResult, type Message, parseConversationId, peerOf, type TimelineItem } from '@serverless-im/protocol';
import { notMember, requireMember } from '../membership/require-member.js';
import type { Pusher } from '../push/pusher.js';
import { authorsBetween, type PositionMove, readGroupHead, recordDelivered } from '../storage/conversations/index.js';
import { recordGroupDelivered } from '../storage/memberships.js';
import type { Storage } from '../storage/storage.js';

export interface MarkDeliveredDeps {
  storage: Storage;
  pusher: Pusher;
}

/**
 * What a device just received in one conversation: up to which cseq, and, when the messages are at
 * hand (a `sync` page), the newest cseq of each author among them, so the authors to tell need no
 * query.
 */
export interface Receipt {
  conversationId: string;
  upTo: number;
  authors?: ReadonlyMap<string, number>;
}

/** A delivered receipt tells the authors of the messages it covers, up to this many messages back (as `read` does). */
const RECEIPT_SCAN_LIMIT = 100;

/** One receipt per conversation: how far the messages from others among `messages` go, and whose they are. */
export function receiptsOf(messages: readonly Message[], receiver: string): Receipt[] {
  const byConversation = new Map<string, { upTo: number; authors: Map<string, number> }>();
  for (const message of messages) {
    if (message.from === receiver) continue;
    const receipt = byConversation.get(message.conversationId) ?? { upTo: 0, authors: new Map<string, number>() };
    receipt.upTo = Math.max(receipt.upTo, message.conversationSeq);
    receipt.authors.set(message.from, Math.max(receipt.authors.get(message.from) ?? 0, message.conversationSeq));
    byConversation.set(message.conversationId, receipt);
  }
  return [...byConversation].map(([conversationId, receipt]) => ({ conversationId, ...receipt }));
}

/** The messages a `sync` page delivers (new messages only: `update` items are changes of messages already delivered). */
export const deliveredBy = (items: readonly TimelineItem[]): Message[] => items.flatMap((item) => (item.type === 'message' && item.message ? [item.message] : []));

/** The authors to tell about a move from `before`: those with a message in (before, after]. */
async function authorsToTell(storage: Storage, conversation: ConversationRef, receipt: Receipt, move: PositionMove, receiver: string): Promise<string[]> {
  if (conversation.kind === 'direct') return [peerOf(conversation, receiver)];
  if (receipt.authors) return [...receipt.authors].filter(([, newest]) => newest > move.before).map(([author]) => author);
  return (await authorsBetween(storage, conversation.id, move.before, move.after, RECEIPT_SCAN_LIMIT)).filter((author) => author !== receiver);
}

/**
 * Moves the receiver's delivered position in one conversation: one conditional write (never one
 * per message), and when it moved, a `delivered` event to the authors of the messages it covers.
 * Undefined when the receiver has no row for the group (not, or no longer, a member).
 */
async function recordReceipt(deps: MarkDeliveredDeps, receiver: string, conversation: ConversationRef, receipt: Receipt): Promise<PositionMove | undefined> {
  const move: PositionMove | undefined =
    conversation.kind === 'direct'
      ? await recordDelivered(deps.storage, conversation, receiver, receipt.upTo)
      : await recordGroupDelivered(deps.storage, receiver, conversation.id, receipt.upTo);
  // A block stops delivered receipts both ways: the position still moves (it is the receiver's own state), nobody is told.
  if (move?.advanced && !move.blocked) {
    const authors = await authorsToTell(deps.storage, conversation, receipt, move, receiver);
    await deps.pusher.pushToUsers(authors, { event: 'delivered', data: { conversationId: conversation.id, userId: receiver, upTo: move.after } });
  }
  return move;
}

/**
 * What a `sync` or `syncConversation` page delivered: at most one write per conversation the page
 * brought messages of (whatever how many), and none for the caller's own messages. A conversation
 * the receiver has left since (old items of a group) records nothing.
 */
export async function recordReceipts(deps: MarkDeliveredDeps, receiver: string, receipts: readonly Receipt[]): Promise<void> {
  await Promise.all(
    receipts.map(async (receipt) => {
      const conversation = parseConversationId(receipt.conversationId);
      if (conversation) await recordReceipt(deps, receiver, conversation, receipt);
    }),
  );
}

export interface MarkDeliveredInput {
  receiver: string;
  conversationId: string;
  upTo: number;
}

/**
 * `delivered`: a device acknowledges the pushes of one conversation up to `upTo` (never past the
 * newest message). Monotonic and idempotent, like `read`: an `upTo` at or below the position changes
 * nothing.
 */
export async function markDelivered(deps: MarkDeliveredDeps, input: MarkDeliveredInput): Promise<DeliveredResult> {
  const conversation = parseConversationId(input.conversationId);
  if (!conversation) throw notMember();
  if (conversation.kind === 'direct') {
    await requireMember(deps.storage, input.receiver, conversation.id);
    await recordReceipt(deps, input.receiver, conversation, { conversationId: conversation.id, upTo: input.upTo });
    return {};
  }
  const head = await readGroupHead(deps.storage, conversation.id);
  const upTo = Math.min(input.upTo, head?.lastCseq ?? 0);
  const move = upTo > 0 ? await recordReceipt(deps, input.receiver, conversation, { conversationId: conversation.id, upTo }) : await requireMember(deps.storage, input.receiver, conversation.id);
  if (!move) throw notMember();
  return {};
}
