import { reportRequest } from '@serverless-im/protocol';
import { reportMessage } from '../moderation/report-message.js';
import { actionHandler } from '../runtime/action-handler.js';
import { storageFromEnv } from '../runtime/instance.js';

/** `report`: a member reports a message to the company running the service. */
export const handler = actionHandler({
  action: 'report',
  schema: reportRequest,
  run: (input, { caller }) =>
    reportMessage(storageFromEnv(), { reporter: caller.userId, conversationId: input.conversationId, conversationSeq: input.conversationSeq, reason: input.reason }, Date.now()),
});
