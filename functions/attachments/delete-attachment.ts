import { type Body, isAttachmentBody } from '@serverless-im/protocol';
import type { AttachmentObjects } from './object-store.js';

/**
 * A recall (or any deletion of a message) removes the bytes with it: deletes the attachment a
 * message body carries, if any. Deleting one that is gone already succeeds, so a retried recall is
 * harmless. Note: an attachment sent in several messages by its uploader goes with the first recall.
 */
export async function deleteAttachmentOf(objects: AttachmentObjects, body: Body): Promise<boolean> {
  if (!isAttachmentBody(body)) return false;
  await objects.delete(body.attachmentId);
  return true;
}
