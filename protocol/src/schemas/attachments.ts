import * as z from 'zod/mini';
import {
  ATTACHMENT_KINDS,
  type AttachmentKind,
  CONTENT_TYPE_PATTERN,
  kindFitsContentType,
  MAX_ATTACHMENT_BYTES,
  MAX_ATTACHMENT_DIMENSION,
  MAX_ATTACHMENT_DURATION_MS,
  MAX_ATTACHMENT_NAME_CHARS,
  MAX_THUMBNAIL_CHARS,
  THUMBNAIL_PATTERN,
} from '../attachments.js';
import { MAX_TEXT_CHARS } from '../limits.js';

/** An attachment id, as `attachmentUpload` returns it (the SDK never makes one up). */
export const ATTACHMENT_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
export const attachmentIdSchema = z.string().check(z.regex(ATTACHMENT_ID_PATTERN, 'is not an attachment id'));

export const contentTypeSchema = z.string().check(z.regex(CONTENT_TYPE_PATTERN, 'must be a lower-case MIME type such as image/png, without parameters'));
/** A file name: no control characters (it ends up in a Content-Disposition header). */
export const attachmentNameSchema = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(MAX_ATTACHMENT_NAME_CHARS),
    z.refine((name) => !/[\u0000-\u001f\u007f]/.test(name), 'must not contain control characters'),
  );
export const attachmentSizeSchema = z.int().check(z.minimum(1), z.maximum(MAX_ATTACHMENT_BYTES));
const dimension = () => z.int().check(z.minimum(1), z.maximum(MAX_ATTACHMENT_DIMENSION));

const attachmentBody = <Kind extends AttachmentKind>(kind: Kind) =>
  z
    .strictObject({
      kind: z.literal(kind),
      attachmentId: attachmentIdSchema,
      name: attachmentNameSchema,
      size: attachmentSizeSchema,
      contentType: contentTypeSchema,
      width: z.optional(dimension()),
      height: z.optional(dimension()),
      durationMs: z.optional(z.int().check(z.minimum(0), z.maximum(MAX_ATTACHMENT_DURATION_MS))),
      thumbnail: z.optional(
        z.string().check(z.maxLength(MAX_THUMBNAIL_CHARS), z.regex(THUMBNAIL_PATTERN, 'must be a data:image/(jpeg|png|webp);base64 URI')),
      ),
      caption: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_TEXT_CHARS))),
    })
    .check(
      z.refine((body) => kindFitsContentType(kind, body.contentType), {
        message: `a${kind === 'image' || kind === 'audio' ? 'n' : ''} ${kind} body needs a ${kind}/* contentType`,
        path: ['contentType'],
      }),
    );

/** The body kinds `image`, `video`, `audio` and `file`: an uploaded attachment and what to show of it. */
export const attachmentBodySchemas = [attachmentBody('image'), attachmentBody('video'), attachmentBody('audio'), attachmentBody('file')] as const;

export type AttachmentBody = z.infer<(typeof attachmentBodySchemas)[number]>;

/** True for a body that carries an attachment. */
export const isAttachmentBody = (body: { kind: string }): body is AttachmentBody => (ATTACHMENT_KINDS as readonly string[]).includes(body.kind);
