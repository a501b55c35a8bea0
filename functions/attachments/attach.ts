import { createHash } from 'node:crypto';
import type { AttachmentBody } from '@serverless-im/protocol';
import { BadRequestError, ForbiddenError } from '../errors/request-errors.js';
import type { AttachmentObjects } from './object-store.js';

/**
 * Before `send` stores a message that carries an attachment: the sender uploaded it, the upload
 * finished, and S3 holds exactly the size and type the body claims (what the recipients are told
 * they will download). Then the object is tagged attached, before the message exists, so the
 * lifecycle rule for unsent uploads can never delete the bytes of a stored message. (A send that
 * fails after this leaves an attached object no message refers to: storage, never a lost file.)
 * Refusals store nothing. Repeating it (a retried send) is harmless.
 *
 * An attachment belongs to one message: a recall deletes its bytes, which must not take another
 * message's file with them. A second message naming an attached upload is refused (a retry of the
 * same send is recognised by its message key). The tags are read only when HEAD says the object is
 * attached already, so a first send costs no extra request.
 */
export async function attachToMessage(objects: AttachmentObjects, sender: string, clientMsgId: string, body: AttachmentBody): Promise<void> {
  const stored = await objects.head(body.attachmentId);
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
  if (stored.attached && (await objects.attachedTo(body.attachmentId)) !== key) {
    throw new BadRequestError('body.attachmentId: this attachment was sent in another message already (upload the file again to send it again)', {
      reason: 'attachmentInUse',
    });
  }
  await objects.markAttached(body.attachmentId, key);
}

/** A message's identity as an S3 tag value allows it (letters and digits): a hash of sender and clientMsgId. */
export const messageKeyOf = (sender: string, clientMsgId: string): string => createHash('sha256').update(`${sender}\n${clientMsgId}`).digest('hex').slice(0, 40);
