import { createHash } from 'node:crypto';
import type { AttachmentBody } from '@serverless-im/protocol';
import { BadRequestError, ForbiddenError } from '../errors/request-errors.js';
import { claimAttachment } from '../storage/claims.js';
import type { Storage } from '../storage/storage.js';
import type { AttachmentObjects } from './object-store.js';

/**
 * Before `send` stores a message that carries an attachment: the sender uploaded it, the upload
 * finished, and S3 holds exactly the size and type the body claims (what the recipients are told
 * they will download). Refusals store nothing. Then the upload is given to this message (an
 * attachment claim: one conditional write, so two messages can never share a file, and a recall
 * deletes only its own) and tagged `sending`. Once the message is stored, the Conversations stream
 * tags it `attached` (`confirm-attached.ts`); a send that fails here and is never retried leaves a
 * `sending` upload, which the bucket's lifecycle rule deletes. Repeating it (a retried send) is
 * harmless.
 */
export async function attachToMessage(
  deps: { objects: AttachmentObjects; storage: Storage; clock: () => number },
  sender: string,
  clientMsgId: string,
  body: AttachmentBody,
): Promise<void> {
  const stored = await deps.objects.head(body.attachmentId);
  if (!stored) {
    throw new BadRequestError('body.attachmentId: nothing was uploaded for this attachment (upload it first, within its URL’s 15 minutes)', {
      reason: 'attachmentNotUploaded',
    });
  }
  if (stored.uploader !== sender) {
    throw new ForbiddenError('body.attachmentId: this attachment was uploaded by someone else', { reason: 'notUploader' });
  }
  if (stored.size !== body.size || stored.contentType !== body.contentType) {
    throw new BadRequestError('body: size and contentType must be exactly those of the upload', { reason: 'attachmentMismatch' });
  }
  const key = messageKeyOf(sender, clientMsgId);
  if (!(await claimAttachment(deps.storage, body.attachmentId, key, deps.clock()))) {
    throw new BadRequestError('body.attachmentId: this attachment was sent in another message already (upload the file again to send it again)', {
      reason: 'attachmentInUse',
    });
  }
  await deps.objects.markSending(body.attachmentId, key);
}

/** A message's identity as an S3 tag value allows it (letters and digits): a hash of sender and clientMsgId. */
export const messageKeyOf = (sender: string, clientMsgId: string): string => createHash('sha256').update(`${sender}\n${clientMsgId}`).digest('hex').slice(0, 40);
