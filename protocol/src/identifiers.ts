/**
 * Identifiers of the protocol, without any schema library: the SDK imports these at run time, so
 * this module stays tiny. The schemas built on them are in `schemas/identifiers.ts`.
 */

/** User ids: 1-64 chars of [A-Za-z0-9_.@-]. No `:`, which keeps `dm:<a>:<b>` unambiguous. */
export const USER_ID_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;
/** Device ids (`?device=`): 1-64 chars of [A-Za-z0-9_-]. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Request ids are chosen by the client (1-64 chars) and echoed in the reply. */
export const MAX_REQUEST_ID_CHARS = 64;
/** `clientMsgId`: 1-64 chars chosen by the client, the idempotency key of `send`. */
export const MAX_CLIENT_MSG_ID_CHARS = 64;
/** Longest conversation id accepted anywhere. */
export const MAX_CONVERSATION_ID_CHARS = 140;

export type ConversationKind = 'direct' | 'group';

/**
 * What a conversation id says about itself. A direct conversation's id is derived from its two
 * user ids (sorted, `dm:<a>:<b>`), so both sides and all devices agree on it without a lookup.
 * Groups get `g:<random>`.
 */
export type ConversationRef = { kind: 'direct'; id: string; members: [string, string] } | { kind: 'group'; id: string };

const DIRECT = /^dm:([A-Za-z0-9_.@-]{1,64}):([A-Za-z0-9_.@-]{1,64})$/;
const GROUP = /^g:[A-Za-z0-9_-]{8,40}$/;

export const isUserId = (value: unknown): value is string => typeof value === 'string' && USER_ID_PATTERN.test(value);

/** The direct conversation of two users (`dm:<lower>:<higher>`), the same whoever asks. */
export function directConversationId(a: string, b: string): string {
  return a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`;
}

/** The conversation an id names, or undefined when it is not a conversation id. */
export function parseConversationId(id: string): ConversationRef | undefined {
  const direct = DIRECT.exec(id);
  if (direct) {
    const [, first, second] = direct as unknown as [string, string, string];
    // Only the canonical (sorted, distinct) form names a conversation.
    if (first >= second) return undefined;
    return { kind: 'direct', id, members: [first, second] };
  }
  if (GROUP.test(id)) return { kind: 'group', id };
  return undefined;
}

/** The other member of a direct conversation. */
export function peerOf(conversation: { members: readonly [string, string] }, userId: string): string {
  return conversation.members[0] === userId ? conversation.members[1] : conversation.members[0];
}
