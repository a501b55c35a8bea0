import { type ConversationRef, parseConversationId } from '@serverless-im/protocol';
import { directHeadOf, emptyDirectHead, groupHeadOf, headsOf, sideOf } from '../storage/conversations/index.js';
import { type GroupMembership, listMemberships, type MembershipRecord } from '../storage/memberships.js';
import type { Storage } from '../storage/storage.js';
import { directReadState, groupReadState } from './read-state.js';

/** What a notification about one message needs to know of its recipient's conversations. */
export interface NotificationState {
  /** The recipient's `totalUnread`, as `conversations` would answer it, this message included. */
  totalUnread: number;
  /** The recipient's row for the message's conversation (absent for a direct conversation's very first message). */
  membership?: MembershipRecord;
  /** The group's title (groups only). */
  title?: string;
}

/**
 * The badge and mute state for a notification about the message at `cseq` of `conversationId`
 * from `from`: the same arithmetic as `conversations` (read-state.ts), on the same rows and heads.
 * The head of the message's own conversation may not show the message yet (its update and the
 * recipient's timeline item are written in parallel), so that conversation counts at least up to
 * `cseq`: a badge never misses the message it announces.
 */
export async function notificationState(storage: Storage, userId: string, message: { conversationId: string; cseq: number; from: string }): Promise<NotificationState> {
  const memberships = await listMemberships(storage, userId);
  const entries = memberships.flatMap((membership) => {
    const ref = parseConversationId(membership.conversationId);
    return ref ? [{ membership: membership as MembershipRecord | undefined, ref }] : [];
  });
  const own = entries.find((entry) => entry.ref.id === message.conversationId);
  if (!own) {
    const ref = parseConversationId(message.conversationId);
    // The first direct message is written before its conversation is listed.
    if (ref?.kind === 'direct') entries.push({ membership: undefined, ref });
  }
  const heads = await headsOf(storage, entries.map((entry) => entry.ref.id));
  let totalUnread = 0;
  let title: string | undefined;
  for (const { membership, ref } of entries) {
    const head = heads.get(ref.id);
    const isMessageConversation = ref.id === message.conversationId;
    totalUnread += unreadOf(ref, head, membership, userId, isMessageConversation ? message : undefined);
    if (isMessageConversation && ref.kind === 'group' && head) title = groupHeadOf(head).title;
  }
  return { totalUnread, ...(own?.membership ? { membership: own.membership } : {}), ...(title !== undefined ? { title } : {}) };
}

function unreadOf(
  ref: ConversationRef,
  head: Record<string, unknown> | undefined,
  membership: MembershipRecord | undefined,
  userId: string,
  atLeast: { cseq: number; from: string } | undefined,
): number {
  if (ref.kind === 'direct') {
    const direct = head ? directHeadOf(head) : emptyDirectHead();
    if (atLeast) {
      // The message is the sender's own, at `cseq`: their `own` position is at least there.
      const side = sideOf(ref, atLeast.from);
      direct[`own${side}`] = Math.max(direct[`own${side}`], atLeast.cseq);
    }
    return directReadState(direct, ref, userId).unread;
  }
  if (!head || !membership) return 0;
  const group = groupHeadOf(head);
  // Recalled messages are not unread, as in `conversations` (conversation-list.ts).
  return groupReadState(Math.max(group.lastCseq, atLeast?.cseq ?? 0), membership as GroupMembership, undefined, group.recalled).unread;
}
