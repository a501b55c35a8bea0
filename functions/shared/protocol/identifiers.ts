import * as z from 'zod';

/** User ids: 1-64 chars of [A-Za-z0-9_.@-] (PROTOCOL.md). */
export const USER_ID_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;
/** Device ids: 1-64 chars of [A-Za-z0-9_-]. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const userIdSchema = z.string().regex(USER_ID_PATTERN, 'must be 1-64 chars of [A-Za-z0-9_.@-]');
export const deviceIdSchema = z.string().regex(DEVICE_ID_PATTERN, 'must be 1-64 chars of [A-Za-z0-9_-]');
/** Request ids are chosen by the client and echoed back. */
export const requestIdSchema = z.string().min(1).max(64);
