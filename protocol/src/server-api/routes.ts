import { addGroupMembers, createGroup, removeGroupMember } from './groups.js';
import { conversationMessages, postMessage } from './messages.js';
import { disconnectUser, userConversations } from './users.js';
import { eraseUser, erasureStatus } from './erasure.js';

/** Every route, by operationId. The erasure and export routes join here. */
export const serverApiRoutes = {
  postMessage,
  createGroup,
  addGroupMembers,
  removeGroupMember,
  conversationMessages,
  userConversations,
  disconnectUser,
  eraseUser,
  erasureStatus,
} as const;
export type ServerApiRoutes = typeof serverApiRoutes;
export type ServerApiOperation = keyof ServerApiRoutes;

/** API Gateway's route key of a route (`POST /v1/messages`). */
export const routeKeyOf = (route: { method: string; path: string }): string => `${route.method} ${route.path}`;
