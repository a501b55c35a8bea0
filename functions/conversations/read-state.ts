import { type DirectConversation, type DirectHead, sideOf } from '../storage/conversations/index.js';

/**
 * Read-state arithmetic. Nothing here is stored as a counter: unread and read positions follow
 * from the positions the storage keeps (a direct head's four numbers, a member's two) and the
 * head's set of recalled cseqs (a recalled message is not unread), so they cannot drift.
 */

export interface ReadState {
  /** The conversation's newest cseq. */
  latest: number;
  /** How far the user has read (explicitly, or by sending). */
  readUpTo: number;
  unread: number;
}

/** The read state of one member of a direct conversation, from its head. */
export function directReadState(head: DirectHead, conversation: Pick<DirectConversation, 'members'>, userId: string): ReadState {
  const mine = sideOf(conversation, userId);
  const own = mine === 'Lo' ? head.ownLo : head.ownHi;
  const read = mine === 'Lo' ? head.readLo : head.readHi;
  const latest = Math.max(head.ownLo, head.ownHi);
  // Every own message is at or below `own`, so everything after max(read, own) is from the peer.
  const readUpTo = Math.min(latest, Math.max(read, own));
  return { latest, readUpTo, unread: latest - readUpTo - recalledBetween(head.recalled, readUpTo, latest) };
}

/** How many recalled messages lie in (after, upTo]: they are not unread any more. */
export function recalledBetween(recalled: ReadonlySet<number> | undefined, after: number, upTo: number): number {
  let count = 0;
  for (const cseq of recalled ?? []) if (cseq > after && cseq <= upTo) count++;
  return count;
}

/** The head after `reader` read up to `upTo` (what an eventually consistent read may not show yet). */
export const withDirectRead = (head: DirectHead, conversation: Pick<DirectConversation, 'members'>, reader: string, upTo: number): DirectHead => ({
  ...head,
  [`read${sideOf(conversation, reader)}`]: upTo,
});

/** A group member's read position: everything up to their own newest message counts as read. */
export const effectiveReadUpTo = (member: { readUpTo: number; ownLast: number }): number => Math.max(member.readUpTo, member.ownLast);

/**
 * The read state of a group member: `freshRead` is a read position the caller just wrote, which an
 * eventually consistent read of the member's row may not show yet.
 */
export function groupReadState(lastCseq: number, member: { readUpTo: number; ownLast: number }, freshRead = 0, recalled?: ReadonlySet<number>): ReadState {
  const readUpTo = Math.min(lastCseq, Math.max(effectiveReadUpTo(member), freshRead));
  return { latest: lastCseq, readUpTo, unread: Math.max(0, lastCseq - readUpTo - recalledBetween(recalled, readUpTo, lastCseq)) };
}

/**
 * How far `userId`'s peer has received the conversation: a device of theirs got it (`delivered`),
 * or they read it, which a device can only do once it has it.
 */
export function directDeliveredUpTo(head: DirectHead, conversation: Pick<DirectConversation, 'members'>, userId: string): number {
  const peer = conversation.members[0] === userId ? conversation.members[1] : conversation.members[0];
  const delivered = sideOf(conversation, peer) === 'Lo' ? head.deliveredLo : head.deliveredHi;
  return Math.max(delivered, directReadState(head, conversation, peer).readUpTo);
}

/** A group member's delivered position: what a device of theirs received, or what they read. */
export const effectiveDeliveredUpTo = (member: { readUpTo: number; ownLast: number; deliveredUpTo: number }): number =>
  Math.max(member.deliveredUpTo, effectiveReadUpTo(member));
