import { conversationMessages } from '@serverless-im/protocol/server-api';
import { httpRouteHandler } from '../../runtime/http-route-handler.js';
import { storageFromEnv } from '../../runtime/instance.js';
import { conversationHistory } from '../../server-api/conversation-history.js';

/** `GET /v1/conversations/{id}/messages`: history as the server, no membership needed. */
export const handler = httpRouteHandler(conversationMessages, ({ params, query }) => conversationHistory(storageFromEnv(), params.id, query.before, query.limit));
