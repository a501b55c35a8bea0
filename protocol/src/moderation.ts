import * as z from 'zod/mini';
import { bodySchema, type Body } from './schemas/shapes.js';

/**
 * The moderation hook's contract (docs/moderation.md): what the stack sends the deployment's
 * moderation function (`moderationFunctionArn`) before it stores a message or an edit, and what
 * the function answers. The request is versioned; fields may be added, none removed.
 */
export interface ModerationRequest {
  version: 1;
  /** `message`: a new message (`send`, POST /v1/messages); `edit`: a new body for a stored one. */
  kind: 'message' | 'edit';
  /** The user the message is from (`from` of POST /v1/messages). */
  sender: string;
  /** `dm:<a>:<b>` for a direct conversation, `grp:<id>` for a group. */
  conversationId: string;
  /** The body to judge: the new message's, or the edit's new body. */
  body: Body;
  /** The message's id: fixed by the send claim, so a retry that asks again names the same id. */
  msgId: string;
  /** `message` only: the client's idempotency key. */
  clientMsgId?: string;
  /** `edit` only: the edited message's position in its conversation. */
  conversationSeq?: number;
  /** Where the request came from: a device (WebSocket) or the company's backend (server API). */
  source: 'websocket' | 'serverApi';
  /** How long the stack waits for the answer (ms, `moderationTimeoutMs`); later, the fallback applies. */
  deadlineMs: number;
}

/** The longest deny reason the stack passes on (longer ones are cut). */
export const MAX_MODERATION_REASON_CHARS = 200;

/**
 * What the moderation function answers: `allow`, `deny` (with an optional reason for the sender)
 * or `replace` with a body to store instead (redaction). Unknown extra fields are ignored, so a
 * function may add its own (a score, a rule id). Anything else is a failure: the fallback applies.
 */
export const moderationResponse = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('allow') }),
  z.object({ decision: z.literal('deny'), reason: z.optional(z.string()) }),
  z.object({ decision: z.literal('replace'), body: bodySchema }),
]);
export type ModerationResponse = z.infer<typeof moderationResponse>;

/** What the stack does when the function fails, is late or answers something else. */
export const MODERATION_FALLBACKS = ['allow', 'deny'] as const;
export type ModerationFallback = (typeof MODERATION_FALLBACKS)[number];
