import { attachmentDownloadRequest } from '@serverless-im/protocol';
import { URL_EXPIRY_SECONDS } from '../attachments/attachment-policy.js';
import { downloadUrl } from '../attachments/download-url.js';
import { actionHandler } from '../runtime/action-handler.js';
import { attachmentObjectsFromEnv, storageFromEnv } from '../runtime/instance.js';

/** `attachmentDownload`: a presigned S3 download of a message's attachment, for members only. */
export const handler = actionHandler({
  action: 'attachmentDownload',
  schema: attachmentDownloadRequest,
  run: (input, { caller }) =>
    downloadUrl(
      { storage: storageFromEnv(), objects: attachmentObjectsFromEnv(), urlExpirySeconds: URL_EXPIRY_SECONDS, clock: Date.now },
      { userId: caller.userId, conversationId: input.conversationId, conversationSeq: input.conversationSeq },
    ),
});
