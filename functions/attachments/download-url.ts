import { type AttachmentDownloadResult, isAttachmentBody } from '@serverless-im/protocol';
import { NotFoundError } from '../errors/request-errors.js';
import { requireMember } from '../membership/require-member.js';
import { getMessage } from '../storage/conversations/index.js';
import type { Storage } from '../storage/storage.js';
import { contentDispositionOf } from './content-disposition.js';
import type { AttachmentObjects } from './object-store.js';

export interface DownloadDeps {
  storage: Storage;
  objects: AttachmentObjects;
  urlExpirySeconds: number;
  clock: () => number;
}

const noAttachment = (): NotFoundError => new NotFoundError('this message has no attachment (or it was recalled)', { reason: 'noAttachment' });

/**
 * `attachmentDownload`: a GET URL for the attachment of one message, for the conversation's
 * members only (a removed member is refused like an outsider). The URL fixes the content type the
 * message states and the disposition (`contentDispositionOf`), whatever the uploader sent.
 */
export async function downloadUrl(deps: DownloadDeps, input: { userId: string; conversationId: string; conversationSeq: number }): Promise<AttachmentDownloadResult> {
  await requireMember(deps.storage, input.userId, input.conversationId);
  const record = await getMessage(deps.storage, input.conversationId, input.conversationSeq);
  // `recalled` is how a recall marks a stored message (its attachment is deleted with it).
  if (!record || record.recalled || !record.body || !isAttachmentBody(record.body)) throw noAttachment();
  const { body } = record;
  const now = deps.clock();
  const url = await deps.objects.presignDownload({
    attachmentId: body.attachmentId,
    contentType: body.contentType,
    contentDisposition: contentDispositionOf(body.name, body.contentType),
    expiresInSeconds: deps.urlExpirySeconds,
  });
  return { url, expiresAt: now + deps.urlExpirySeconds * 1000 };
}
