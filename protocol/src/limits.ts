/** Limits of protocol v1 that clients can rely on (requests over them are refused). */

/** `body.text`: 1 to 4000 characters (UTF-16 code units, as JavaScript counts them). */
export const MAX_TEXT_CHARS = 4000;
/** `body.payload` of a custom message: at most 16 KB of JSON (UTF-8). */
export const MAX_CUSTOM_PAYLOAD_BYTES = 16 * 1024;
/** `body.type` of a custom message: 1 to 64 characters. */
export const MAX_CUSTOM_TYPE_CHARS = 64;
/** Group titles: 1 to 100 characters after trimming. */
export const MAX_GROUP_TITLE_CHARS = 100;
/** Most user ids one `createGroup`, `addMembers` or `removeMembers` may name (TOO_LARGE beyond). */
export const MAX_MEMBERS_PER_REQUEST = 100;
/** Longest member list a frame may carry at all (BAD_REQUEST beyond; the per-request limit above is lower). */
export const MAX_MEMBER_LIST = 10_000;
/** `presence`: 1 to 100 user ids. */
export const MAX_PRESENCE_USERS = 100;
/** `sync` and `syncConversation` page sizes. */
export const SYNC_LIMIT = { min: 1, max: 200, default: 100 } as const;
/** `conversations` page sizes (no `limit`: as many as fit in one reply, what v1 clients get). */
export const CONVERSATIONS_LIMIT = { min: 1, max: 100 } as const;
/** `conversations`: longest `cursor` the server gives. */
export const MAX_CONVERSATIONS_CURSOR_CHARS = 8_000;
/** `history` page sizes. */
export const HISTORY_LIMIT = { min: 1, max: 100, default: 50 } as const;

/** Length in bytes of a string encoded as UTF-8 (a lone surrogate counts as U+FFFD, 3 bytes). */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length && (text.charCodeAt(index + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      index++;
    } else bytes += 3;
  }
  return bytes;
}

/** `deleteForMe`: 1 to 100 conversationSeqs per request. */
export const MAX_DELETE_FOR_ME_SEQS = 100;
/** `deleteForMe`: messages one user may hide in one conversation in total. */
export const MAX_HIDDEN_PER_CONVERSATION = 10_000;
/** `send` `mentions`: at most this many user ids (duplicates count once). */
export const MAX_MENTIONS = 50;
/** `react`: distinct reactions one user may have on one message. */
export const MAX_REACTIONS_PER_USER = 3;
/** `react`: reactions (user and emoji pairs) one message may carry in total, so it stays one storable item. */
export const MAX_REACTIONS_PER_MESSAGE = 1000;
/** `react` `emoji`: one emoji grapheme, at most this many UTF-16 code units. */
export const MAX_EMOJI_CHARS = 32;

/** `block`: users one user may block at once (TOO_LARGE `tooManyBlocked` beyond). */
export const MAX_BLOCKED_USERS = 200;

/**
 * Per-user rate limits: every action but `send` (its own window, `sendRate`) and `ping` counts
 * against the limit of its class, for all of a user's devices together. Beyond it the action is
 * refused with `RATE_LIMITED` `userRate` and a `retryAfterMs`. Each limit is a deployment setting
 * (`<class>PerMinute`); these are the defaults (docs/protocol.md, "Rate limits").
 */
export const USER_RATE_CLASSES = {
  groupChanges: { perMinute: 30, actions: ['createGroup', 'addMembers', 'removeMembers', 'leaveGroup', 'setRole', 'transferOwnership', 'updateGroup'] },
  typing: { perMinute: 120, actions: ['typing'] },
  presence: { perMinute: 60, actions: ['presence'] },
  reads: { perMinute: 300, actions: ['read', 'readReceipts', 'delivered'] },
  sync: { perMinute: 300, actions: ['sync', 'syncConversation', 'history', 'conversations'] },
  messageChanges: { perMinute: 60, actions: ['edit', 'recall', 'react', 'deleteForMe'] },
  safety: { perMinute: 30, actions: ['block', 'unblock', 'report'] },
  attachments: { perMinute: 60, actions: ['attachmentUpload', 'attachmentDownload'] },
  settings: { perMinute: 30, actions: ['mute', 'registerPush', 'unregisterPush'] },
} as const satisfies Record<string, { perMinute: number; actions: readonly string[] }>;

export type UserRateClass = keyof typeof USER_RATE_CLASSES;
export const USER_RATE_CLASS_NAMES = Object.keys(USER_RATE_CLASSES) as UserRateClass[];

/** The class an action counts against, or undefined (`send`, `ping`, unknown actions). */
export function userRateClassOf(action: string): UserRateClass | undefined {
  return USER_RATE_CLASS_NAMES.find((name) => (USER_RATE_CLASSES[name].actions as readonly string[]).includes(action));
}

/** Default of `maxConnectionsPerUser`: live connections one user may hold (the next handshake gets 429). */
export const DEFAULT_MAX_CONNECTIONS_PER_USER = 10;
