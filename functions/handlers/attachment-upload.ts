import { attachmentUploadRequest } from '@serverless-im/protocol';
import { requestUpload } from '../attachments/request-upload.js';
import { actionHandler } from '../runtime/action-handler.js';
import { attachmentObjectsFromEnv, attachmentPolicyFromEnv, storageFromEnv } from '../runtime/instance.js';

/** `attachmentUpload`: a presigned S3 upload for one file, within the deployment's limits and the caller's daily quota. */
export const handler = actionHandler({
  action: 'attachmentUpload',
  schema: attachmentUploadRequest,
  run: (input, { caller }) =>
    requestUpload(
      { storage: storageFromEnv(), objects: attachmentObjectsFromEnv(), policy: attachmentPolicyFromEnv(), clock: Date.now },
      { uploader: caller.userId, name: input.name, contentType: input.contentType, size: input.size },
    ),
});
