import { requestIdSchema } from '@serverless-im/protocol';
import type * as z from 'zod/mini';
import { BadRequestError, type RequestError, TooLargeError } from '../errors/request-errors.js';

/** The largest frame API Gateway accepts is 32 KB; nothing legitimate is bigger than that. */
const MAX_FRAME_CHARS = 128 * 1024;

const invalidFrame = (message: string): BadRequestError => new BadRequestError(message, { reason: 'invalidFrame' });

/** Parses a frame body as a JSON object, or fails with BAD_REQUEST `invalidFrame`. */
export function parseFrame(body: string | undefined | null): Record<string, unknown> {
  if (typeof body !== 'string' || body.length === 0) throw invalidFrame('empty frame');
  if (body.length > MAX_FRAME_CHARS) throw invalidFrame('frame too large');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new BadRequestError('frame is not valid JSON', { reason: 'invalidFrame', cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidFrame('frame must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** The request id of a frame, if it has a valid one: error replies echo it when they can. */
export function requestIdOf(frame: Record<string, unknown> | undefined): string | null {
  const id = frame?.id;
  return requestIdSchema.safeParse(id).success ? (id as string) : null;
}

/** Turns the first schema issue into a message that names the field and says what is wrong. */
export function describeIssue(error: z.core.$ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid request';
  const field = issue.path.map(String).join('.') || 'frame';
  if (issue.code === 'unrecognized_keys') return `unknown field(s): ${issue.keys.join(', ')}`;
  return `${field}: ${issue.message}`;
}

/**
 * The refusal for a frame that fails its action's schema: TOO_LARGE `bodyTooLarge` when the
 * message body is over its limit (the client must shorten it, not fix a field), BAD_REQUEST
 * `invalidField` for everything else.
 */
export function schemaRefusal(error: z.core.$ZodError): RequestError {
  const bodyTooBig = error.issues.some((issue) => issue.path[0] === 'body' && issue.code === 'too_big');
  return bodyTooBig
    ? new TooLargeError(describeIssue(error), { reason: 'bodyTooLarge', cause: error })
    : new BadRequestError(describeIssue(error), { reason: 'invalidField', cause: error });
}
