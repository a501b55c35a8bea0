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
 */
export async function attachToMessage(objects: AttachmentObjects, sender: string, body: AttachmentBody): Promise<void> {
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
  await objects.markAttached(body.attachmentId);
}
