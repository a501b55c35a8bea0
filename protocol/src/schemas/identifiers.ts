import * as z from 'zod/mini';
import { DEVICE_ID_PATTERN, MAX_CLIENT_MSG_ID_CHARS, MAX_CONVERSATION_ID_CHARS, MAX_REQUEST_ID_CHARS, parseConversationId, USER_ID_PATTERN } from '../identifiers.js';

export const userIdSchema = z.string().check(z.regex(USER_ID_PATTERN, 'must be 1-64 chars of [A-Za-z0-9_.@-]'));
export const deviceIdSchema = z.string().check(z.regex(DEVICE_ID_PATTERN, 'must be 1-64 chars of [A-Za-z0-9_-]'));
export const requestIdSchema = z.string().check(z.minLength(1), z.maxLength(MAX_REQUEST_ID_CHARS));
export const clientMsgIdSchema = z.string().check(z.minLength(1), z.maxLength(MAX_CLIENT_MSG_ID_CHARS));
export const conversationIdSchema = z
  .string()
  .check(z.maxLength(MAX_CONVERSATION_ID_CHARS), z.refine((value) => parseConversationId(value) !== undefined, 'is not a conversation id'));
export const msgIdSchema = z.string().check(z.minLength(1));

/** A position (`seq`, `conversationSeq`): a safe integer from `min` (1 unless a cursor, which may be 0). */
export const position = (min: 0 | 1 = 1) => z.int().check(z.minimum(min), z.maximum(Number.MAX_SAFE_INTEGER));
/** A count (unread, members, ...). */
export const count = () => z.int().check(z.minimum(0));
/** Server time, epoch milliseconds. */
export const timestamp = () => z.int().check(z.minimum(0));

/** A page size: `limit` within bounds, the default when left out. */
export const pageSize = (bounds: { readonly min: number; readonly max: number; readonly default: number }) =>
  z._default(z.int().check(z.minimum(bounds.min), z.maximum(bounds.max)), bounds.default);
