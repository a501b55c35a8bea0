import { userConversations } from '@serverless-im/protocol/server-api';
import { conversationsOf } from '../../conversations/conversation-list.js';
import { httpRouteHandler } from '../../runtime/http-route-handler.js';
import { storageFromEnv } from '../../runtime/instance.js';

/** `GET /v1/users/{id}/conversations`: the `conversations` reply of the user (with whom they block). */
export const handler = httpRouteHandler(userConversations, ({ params }) => conversationsOf(storageFromEnv(), params.id));
