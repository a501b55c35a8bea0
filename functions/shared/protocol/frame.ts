import * as z from 'zod';
import { badRequest, ProtocolError } from './errors.js';
import { requestIdSchema } from './identifiers.js';

/** The largest frame API Gateway accepts is 32 KB; nothing legitimate is bigger than that. */
const MAX_FRAME_CHARS = 128 * 1024;

/** Parses a frame body as a JSON object, or fails with BAD_REQUEST. */
export function parseFrame(body: string | undefined | null): Record<string, unknown> {
  if (typeof body !== 'string' || body.length === 0) throw badRequest('empty frame');
  if (body.length > MAX_FRAME_CHARS) throw badRequest('frame too large');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw badRequest('frame is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badRequest('frame must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** The request id of a frame, if it has a valid one: error replies echo it when they can. */
export function requestIdOf(frame: Record<string, unknown> | undefined): string | null {
  const id = frame?.id;
  return requestIdSchema.safeParse(id).success ? (id as string) : null;
}

/** Turns the first schema issue into a message that names the field and says what is wrong. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid request';
  const field = issue.path.map(String).join('.') || 'frame';
  if (issue.code === 'unrecognized_keys') return `unknown field(s): ${issue.keys.join(', ')}`;
  return `${field}: ${issue.message}`;
}

/**
 * The protocol error for a failed schema check: TOO_LARGE when the message body is over its
 * limit (the client must shorten it, not fix a field), BAD_REQUEST for everything else.
 */
export function protocolErrorOf(error: z.ZodError): ProtocolError {
  const bodyTooBig = error.issues.some(
    (issue) => issue.path[0] === 'body' && (issue.code === 'too_big' || (issue.code === 'custom' && /at most/.test(issue.message))),
  );
  return new ProtocolError(bodyTooBig ? 'TOO_LARGE' : 'BAD_REQUEST', describeIssue(error));
}
