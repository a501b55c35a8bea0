/**
 * Attachment limits and rules of protocol v1, without any schema library (the SDK imports these
 * at run time). The schemas built on them are in `schemas/attachments.ts`.
 */

/** The body kinds that carry an attachment. */
export const ATTACHMENT_KINDS = ['image', 'video', 'audio', 'file'] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];

/** `name`: 1 to 255 characters (a file name as the sender's device knew it). */
export const MAX_ATTACHMENT_NAME_CHARS = 255;
/** `thumbnail`: a `data:image/(jpeg|png|webp);base64,...` URI of at most 8 KB. */
export const MAX_THUMBNAIL_CHARS = 8 * 1024;
/**
 * The largest `size` a frame may carry at all: S3's single-upload limit (5 GiB). A deployment's
 * own limit (`maxAttachmentMB`, 100 MB by default) is lower and answered TOO_LARGE.
 */
export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024 * 1024;
/** `width`, `height` (pixels) and `durationMs` bounds. */
export const MAX_ATTACHMENT_DIMENSION = 100_000;
export const MAX_ATTACHMENT_DURATION_MS = 7 * 24 * 60 * 60 * 1000;

/** A MIME type without parameters, lower case: `image/png`, `application/pdf`. */
export const CONTENT_TYPE_PATTERN = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
export const THUMBNAIL_PATTERN = /^data:image\/(jpeg|png|webp);base64,[A-Za-z0-9+/]+={0,2}$/;

/**
 * The body kind a content type is sent as by default: `image/*`, `video/*` and `audio/*` as
 * themselves, everything else as `file`. SVG is a `file`: it can carry script, so it is never
 * shown inline.
 */
export function attachmentKindOf(contentType: string): AttachmentKind {
  if (contentType === 'image/svg+xml') return 'file';
  const top = contentType.split('/')[0];
  return top === 'image' || top === 'video' || top === 'audio' ? top : 'file';
}

/** True when a body of `kind` may carry `contentType` (`file` carries any allowed type). */
export const kindFitsContentType = (kind: AttachmentKind, contentType: string): boolean => kind === 'file' || attachmentKindOf(contentType) === kind;

/** True for the kinds whose downloads are served inline (shown by the app); all others download. */
export const isInlineContentType = (contentType: string): boolean => attachmentKindOf(contentType) !== 'file';
