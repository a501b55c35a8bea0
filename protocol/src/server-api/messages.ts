import * as z from 'zod/mini';
import { sendResult } from '../actions/send.js';
import { HISTORY_LIMIT, MAX_MENTIONS } from '../limits.js';
import { historyResult } from '../actions/history.js';
import { clientMsgIdSchema, conversationIdSchema, position, userIdSchema } from '../schemas/identifiers.js';
import { bodySchema } from '../schemas/shapes.js';
import { defineRoute, integerParam, none } from './route.js';

/**
 * `POST /v1/messages`: `send` on behalf of the user `from` (a bot is just a user). The same rules,
 * idempotency per (`from`, `clientMsgId`) and reply as the WebSocket action; the message reaches
 * every live device of both sides (those of `from` too: no device sent it).
 */
export const postMessage = defineRoute({
  operationId: 'postMessage',
  method: 'POST',
  path: '/v1/messages',
  summary: 'Send a message on behalf of a user',
  description:
    'Stores and delivers a message from `from`, exactly as the WebSocket `send` does: exactly one of `to` (a direct message) or `conversationId` (`from` must be a member), idempotent per (`from`, `clientMsgId`): a retry with the same clientMsgId returns the first reply and stores nothing twice.',
  params: none,
  query: none,
  body: z
    .strictObject({
      from: userIdSchema,
      clientMsgId: clientMsgIdSchema,
      to: z.optional(userIdSchema),
      conversationId: z.optional(conversationIdSchema),
      body: bodySchema,
      replyTo: z.optional(position()),
      mentions: z.optional(z.array(userIdSchema).check(z.maxLength(MAX_MENTIONS))),
    })
    .check(
      z.refine((request) => (request.to === undefined) !== (request.conversationId === undefined), {
        message: 'exactly one of "to" and "conversationId" is required',
        path: ['to'],
      }),
    ),
  reply: sendResult,
  errors: ['BAD_REQUEST', 'TOO_LARGE', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'RATE_LIMITED', 'INTERNAL'],
});

/**
 * `GET /v1/conversations/{id}/messages`: `history` as the server sees it: any conversation, no
 * membership needed, nobody's hidden messages marked.
 */
export const conversationMessages = defineRoute({
  operationId: 'conversationMessages',
  method: 'GET',
  path: '/v1/conversations/{id}/messages',
  summary: "Page back through a conversation's messages",
  description: `Messages before \`before\` (a conversationSeq), newest first, at most \`limit\` (${HISTORY_LIMIT.min}-${HISTORY_LIMIT.max}, default ${HISTORY_LIMIT.default}); \`hasMore\` says whether older ones exist. A group that does not exist is 404; a direct conversation always exists (empty until its first message).`,
  params: z.strictObject({ id: conversationIdSchema }),
  query: z.strictObject({
    before: z.optional(integerParam(position())),
    limit: z.optional(integerParam(z.int().check(z.minimum(HISTORY_LIMIT.min), z.maximum(HISTORY_LIMIT.max)))),
  }),
  body: undefined,
  reply: historyResult,
  errors: ['BAD_REQUEST', 'NOT_FOUND', 'INTERNAL'],
});
