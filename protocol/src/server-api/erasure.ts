import * as z from 'zod/mini';
import { timestamp, userIdSchema } from '../schemas/identifiers.js';
import { defineRoute, none } from './route.js';

/**
 * The user id that replaces an erased user wherever their id stays in other users' data (the
 * sender of a message kept with `erasure=anonymize`, the `by` of a group change, a mention, a
 * former member). A valid user id, so every client parses it; `$connect` and the server API
 * refuse it as a user of their own, so it can never send or receive (docs/server-api.md).
 */
export const ERASED_USER_ID = 'deleted-user';

/** What happens to the messages an erased user sent (deployment setting `erasure`). */
export const ERASURE_MODES = ['anonymize', 'recall'] as const;
export type ErasureMode = (typeof ERASURE_MODES)[number];

/** The steps of an erasure job, in order (docs/server-api.md, "Erasing a user"). */
export const ERASURE_STEPS = ['connections', 'devices', 'discover', 'conversations', 'memberships', 'timeline', 'leftovers', 'announce', 'done'] as const;
export type ErasureStep = (typeof ERASURE_STEPS)[number];

export const erasureState = z.strictObject({
  /** `running` until every step finished; `done` once nothing of the user is left. */
  status: z.enum(['running', 'done']),
  /** Where to follow it: `GET` this path of the server API. */
  statusUrl: z.string(),
  /** The deployment's `erasure` setting when the erasure started. */
  mode: z.enum(ERASURE_MODES),
  /** The step the job is at (`done` once finished). */
  step: z.enum(ERASURE_STEPS),
  startedAt: timestamp(),
  finishedAt: z.optional(timestamp()),
});
export type ErasureState = z.infer<typeof erasureState>;

export const erasureReply = z.strictObject({ erasure: erasureState });
export type ErasureReply = z.infer<typeof erasureReply>;

const user = z.strictObject({ id: userIdSchema });

/** `DELETE /v1/users/{id}`: erases the user, by a queue-driven job; 202 with how to follow it. */
export const eraseUser = defineRoute({
  operationId: 'eraseUser',
  method: 'DELETE',
  path: '/v1/users/{id}',
  successStatus: 202,
  summary: 'Erase a user',
  description:
    "Starts erasing everything stored about the user: their connections (closed at once), push registrations, memberships (they leave their groups; an owner hands over first), timeline, read positions, blocks, hidden messages, claims and reports they filed, and their direct conversations (the partner's items of one become `void`, so the partner's timeline stays contiguous). The messages they sent in groups are, by the deployment setting `erasure`, either anonymized (kept, with the sender `deleted-user`) or recalled (content removed everywhere) and anonymized. From the first moment, `$connect` refuses the user. The work is a queue-driven job; the reply (202) says where to follow it. Idempotent: a second call, also while the job runs, answers the same erasure and starts no second job. A `user.erased` event is published when it is done (docs/events.md). A user of whom nothing is stored (no timeline, membership, device or connection) and who was never erased is 404. No body.",
  params: user,
  query: none,
  body: undefined,
  reply: erasureReply,
  errors: ['BAD_REQUEST', 'NOT_FOUND', 'INTERNAL'],
});

/** `GET /v1/users/{id}/erasure`: the progress of the user's erasure. */
export const erasureStatus = defineRoute({
  operationId: 'erasureStatus',
  method: 'GET',
  path: '/v1/users/{id}/erasure',
  summary: "A user's erasure progress",
  description: "The erasure of the user: `running` (with the step it is at) or `done`. 404 when the user was never erased. The record is kept under a hash of the user id, so it holds nothing of the user once done.",
  params: user,
  query: none,
  body: undefined,
  reply: erasureReply,
  errors: ['BAD_REQUEST', 'NOT_FOUND', 'INTERNAL'],
});
