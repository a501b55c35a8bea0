import * as z from 'zod/mini';
import { conversationsResult } from '../actions/conversations.js';
import { count, userIdSchema } from '../schemas/identifiers.js';
import { defineRoute, none } from './route.js';

const user = z.strictObject({ id: userIdSchema });

/** `GET /v1/users/{id}/conversations`: the `conversations` reply the user would get. */
export const userConversations = defineRoute({
  operationId: 'userConversations',
  method: 'GET',
  path: '/v1/users/{id}/conversations',
  summary: "A user's conversations",
  description:
    "The user's conversations, most recent activity first, with unread counts and last messages: the `conversations` reply the user gets. Users are not registered anywhere (they come from the token issuer), so an unknown user is one with no conversations.",
  params: user,
  query: none,
  body: undefined,
  reply: conversationsResult,
  errors: ['BAD_REQUEST', 'INTERNAL'],
});

export const disconnectResult = z.strictObject({
  /** Live connections of the user that this call closed. */
  closed: count(),
});

/** `POST /v1/users/{id}/disconnect`: closes every live connection of the user. */
export const disconnectUser = defineRoute({
  operationId: 'disconnectUser',
  method: 'POST',
  path: '/v1/users/{id}/disconnect',
  summary: 'Close every live connection of a user',
  description:
    'Closes each live WebSocket connection of the user with the Management API (DeleteConnection); their devices see the socket close. Reconnecting takes a valid token: revoke the user at the token issuer first so no new token is issued. Idempotent (`closed: 0` once none is left). No body.',
  params: user,
  query: none,
  body: undefined,
  reply: disconnectResult,
  errors: ['BAD_REQUEST', 'INTERNAL'],
});
