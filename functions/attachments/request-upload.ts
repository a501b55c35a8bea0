import type { AttachmentUploadResult } from '@serverless-im/protocol';
import { BadRequestError, RateLimitedError, TooLargeError } from '../errors/request-errors.js';
import { newAttachmentId } from '../ids/new-ids.js';
import { reserveUploadBytes } from '../storage/claims.js';
import type { Storage } from '../storage/storage.js';
import { type AttachmentPolicy, msUntilNextUtcDay, utcDayOf } from './attachment-policy.js';
import type { AttachmentObjects } from './object-store.js';

export interface UploadDeps {
  storage: Storage;
  objects: AttachmentObjects;
  policy: AttachmentPolicy;
  clock: () => number;
}

/**
 * `attachmentUpload`: checks the size and type against the deployment's policy, counts the size
 * against the uploader's quota for the day, and presigns a PUT that S3 accepts only for exactly
 * this size, type, uploader and pending tag, for `urlExpirySeconds`. The quota counts what was
 * asked for, uploaded or not: asking is what a client can repeat.
 */
export async function requestUpload(
  deps: UploadDeps,
  input: { uploader: string; name: string; contentType: string; size: number },
): Promise<AttachmentUploadResult> {
  const { policy } = deps;
  if (input.size > policy.maxBytes) {
    throw new TooLargeError(`size: attachments are at most ${policy.maxBytes} bytes`, { reason: 'attachmentTooLarge' });
  }
  if (!policy.contentTypes.has(input.contentType)) {
    throw new BadRequestError(`contentType: ${input.contentType} is not an allowed attachment type`, { reason: 'contentTypeNotAllowed' });
  }
  const now = deps.clock();
  const counted = await reserveUploadBytes(deps.storage, { userId: input.uploader, day: utcDayOf(now), bytes: input.size, limitBytes: policy.dailyQuotaBytes, now });
  if (!counted) {
    throw new RateLimitedError('the daily upload quota is used up', { reason: 'uploadQuota', retryAfterMs: msUntilNextUtcDay(now) });
  }
  const attachmentId = newAttachmentId();
  const upload = await deps.objects.presignUpload({
    attachmentId,
    uploader: input.uploader,
    contentType: input.contentType,
    size: input.size,
    expiresInSeconds: policy.urlExpirySeconds,
  });
  return { attachmentId, upload: { method: 'PUT', url: upload.url, headers: upload.headers }, expiresAt: now + policy.urlExpirySeconds * 1000 };
}
