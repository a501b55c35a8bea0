import { addGroupMembers, createGroup, removeGroupMember } from './groups.js';
import { conversationMessages, postMessage } from './messages.js';
import { disconnectUser, userConversations } from './users.js';
import { eraseUser, erasureStatus } from './erasure.js';
import { exportUser } from './export.js';

/** Every route, by operationId.  */
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
  exportUser,
} as const;
export type ServerApiRoutes = typeof serverApiRoutes;
export type ServerApiOperation = keyof ServerApiRoutes;

/** API Gateway's route key of a route (`POST /v1/messages`). */
export const routeKeyOf = (route: { method: string; path: string }): string => `${route.method} ${route.path}`;
