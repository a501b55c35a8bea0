import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/**
 * The attachments bucket, as the domain code needs it. Every object is `attachments/{attachmentId}`;
 * this module is the only code that builds S3 commands or keys (lib/constructs/attachment-storage.ts
 * grants exactly this prefix). Presigning makes no S3 call: the URL is signed with the function's
 * credentials and S3 checks it when the client uses it.
 */
export interface AttachmentObjects {
  presignUpload(input: { attachmentId: string; uploader: string; contentType: string; size: number; expiresInSeconds: number }): Promise<PresignedUpload>;
  /** What S3 holds for an attachment, or undefined when nothing was uploaded (yet). */
  head(attachmentId: string): Promise<StoredAttachment | undefined>;
  /**
   * Tags the object as being sent in one message (`sending`), before the message is stored: the
   * lifecycle rule deletes it if no message is ever stored (a send that failed and was never retried).
   */
  markSending(attachmentId: string, messageKey: string): Promise<void>;
  /** Tags the object attached to its stored message, which the lifecycle rules never delete. False when the object is gone (recalled). */
  markAttached(attachmentId: string, messageKey: string): Promise<boolean>;
  presignDownload(input: { attachmentId: string; contentType: string; contentDisposition: string; expiresInSeconds: number }): Promise<string>;
  /** Deletes the object; deleting one that is gone already succeeds. */
  delete(attachmentId: string): Promise<void>;
}

export interface PresignedUpload {
  url: string;
  /** Headers the client must send with its PUT: they are part of the signature. */
  headers: Record<string, string>;
}

export interface StoredAttachment {
  size: number;
  contentType: string;
  uploader: string | undefined;
}

export const ATTACHMENT_PREFIX = 'attachments/';
/**
 * An upload's `attachment` tag: `pending` until a send names it, `sending` until its message is
 * stored, then `attached`. The bucket's lifecycle rules delete pending uploads after a day and
 * sending ones after a week (lib/constructs/attachment-storage.ts); attached ones stay.
 */
export const PENDING_TAGGING = 'attachment=pending';
const SENDING_TAG = { Key: 'attachment', Value: 'sending' };
const ATTACHED_TAG = { Key: 'attachment', Value: 'attached' };
/** Which message an attached object belongs to (a hash of sender and clientMsgId: tag values allow few characters). */
const MESSAGE_TAG = 'message';
/** User metadata (`x-amz-meta-uploader`) naming who uploaded the object. */
const UPLOADER_METADATA = 'uploader';

const keyOf = (attachmentId: string): string => `${ATTACHMENT_PREFIX}${attachmentId}`;

const isNotFound = (error: unknown): boolean => {
  const failure = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return failure.name === 'NotFound' || failure.name === 'NoSuchKey' || failure.$metadata?.httpStatusCode === 404;
};

export function s3AttachmentObjects(s3: S3Client, bucket: string): AttachmentObjects {
  return {
    async presignUpload({ attachmentId, uploader, contentType, size, expiresInSeconds }) {
      const url = await getSignedUrl(
        s3,
        new PutObjectCommand({
          Bucket: bucket,
          Key: keyOf(attachmentId),
          ContentType: contentType,
          ContentLength: size,
          Tagging: PENDING_TAGGING,
          Metadata: { [UPLOADER_METADATA]: uploader },
          // Write once: nobody can swap the bytes of a sent attachment while the URL still lives.
          IfNoneMatch: '*',
        }),
        {
          expiresIn: expiresInSeconds,
          // Content-Length is signed by default; the type and the write-once condition only when asked.
          // The tag and the uploader stay headers (not hoisted into the query string), so S3 applies them.
          signableHeaders: new Set(['content-type', 'if-none-match']),
          unhoistableHeaders: new Set(['x-amz-tagging', `x-amz-meta-${UPLOADER_METADATA}`]),
        },
      );
      return {
        url,
        headers: { 'content-type': contentType, 'if-none-match': '*', 'x-amz-tagging': PENDING_TAGGING, [`x-amz-meta-${UPLOADER_METADATA}`]: uploader },
      };
    },

    async head(attachmentId) {
      try {
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(attachmentId) }));
        return { size: Number(head.ContentLength), contentType: head.ContentType ?? '', uploader: head.Metadata?.[UPLOADER_METADATA] };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },

    async markSending(attachmentId, messageKey) {
      await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: keyOf(attachmentId), Tagging: { TagSet: [SENDING_TAG, { Key: MESSAGE_TAG, Value: messageKey }] } }));
    },

    async markAttached(attachmentId, messageKey) {
      try {
        await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: keyOf(attachmentId), Tagging: { TagSet: [ATTACHED_TAG, { Key: MESSAGE_TAG, Value: messageKey }] } }));
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    },

    presignDownload({ attachmentId, contentType, contentDisposition, expiresInSeconds }) {
      return getSignedUrl(
        s3,
        new GetObjectCommand({ Bucket: bucket, Key: keyOf(attachmentId), ResponseContentType: contentType, ResponseContentDisposition: contentDisposition }),
        { expiresIn: expiresInSeconds },
      );
    },

    async delete(attachmentId) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(attachmentId) }));
    },
  };
}
