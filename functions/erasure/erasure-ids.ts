import { createHash } from 'node:crypto';

/**
 * The key of a user's erasure record: SHA-256 of the user id, so the record that stays once the
 * user is erased holds nothing of them (whoever knows the id can find the record again).
 */
export const userHashOf = (userId: string): string => createHash('sha256').update(`serverless-im:user:${userId}`).digest('hex');

/** The `user.erased` event's id: one per erasure of a user. */
export const erasureEventId = (userHash: string): string => `erasure#${userHash}`;
