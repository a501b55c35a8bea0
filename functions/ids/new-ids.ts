import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

function randomChars(length: number): string {
  const bytes = randomBytes(length);
  let value = '';
  for (const byte of bytes) value += ALPHABET[byte % ALPHABET.length];
  return value;
}

/**
 * Message ids: unique system-wide and roughly time-ordered (a fixed-width base-36 time prefix),
 * which keeps them readable in logs and sortable when a client merges sources.
 */
export function newMessageId(nowMs: number): string {
  return `m${nowMs.toString(36).padStart(9, '0')}${randomChars(12)}`;
}

export function newGroupId(): string {
  return `g:${randomChars(20)}`;
}

/** Attachment ids: 26 random characters (about 134 bits), unguessable, safe in an S3 key. */
export function newAttachmentId(): string {
  return randomChars(26);
}
