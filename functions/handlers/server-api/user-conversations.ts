import { userConversations } from '@serverless-im/protocol/server-api';
import { listConversations } from '../../conversations/conversation-list.js';
import { httpRouteHandler } from '../../runtime/http-route-handler.js';
import { storageFromEnv } from '../../runtime/instance.js';

/** `GET /v1/users/{id}/conversations`: the `conversations` reply of the user. */
export const handler = httpRouteHandler(userConversations, ({ params }) => listConversations(storageFromEnv(), params.id));
