import { deleteAttachmentOf } from '../attachments/delete-attachment.js';
import type { AttachmentObjects } from '../attachments/object-store.js';
import type { MessageRecord } from '../storage/conversations/index.js';

/**
 * What else must go when a message is recalled, given the message as it was before the recall
 * (its body included): content stored outside the conversation. It runs after the recall is
 * committed, and again when a retried recall finishes an interrupted one, so it must be idempotent.
 */
export type OnRecalled = (before: MessageRecord) => Promise<void>;

/** A recalled attachment message takes its bytes with it: the S3 object is deleted (deleting a gone one succeeds). */
export const deleteRecalledAttachment =
  (objects: () => AttachmentObjects): OnRecalled =>
  async (before) => {
    if (before.body) await deleteAttachmentOf(objects(), before.body);
  };
