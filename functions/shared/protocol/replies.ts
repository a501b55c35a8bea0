import type { ErrorCode } from './errors.js';

export interface OkReply<T> {
  id: string;
  ok: true;
  data: T;
}

export interface ErrorReply {
  id: string | null;
  ok: false;
  error: { code: ErrorCode; message: string };
}

export type Reply<T> = OkReply<T> | ErrorReply;

export interface ServerEvent<T> {
  event: string;
  data: T;
}

export const okReply = <T>(id: string, data: T): OkReply<T> => ({ id, ok: true, data });

export const errorReply = (id: string | null, code: ErrorCode, message: string): ErrorReply => ({
  id,
  ok: false,
  error: { code, message },
});
