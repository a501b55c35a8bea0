import * as z from 'zod/mini';
import { attachmentIdSchema, attachmentNameSchema, attachmentSizeSchema, contentTypeSchema } from '../schemas/attachments.js';
import { requestIdSchema, timestamp } from '../schemas/identifiers.js';

/**
 * `attachmentUpload`: where to upload one file. The URL accepts exactly `size` bytes of
 * `contentType`, once, until `expiresAt`; the bytes go straight to S3, never through the socket.
 */
export const attachmentUploadRequest = z.strictObject({
  action: z.literal('attachmentUpload'),
  id: requestIdSchema,
  name: attachmentNameSchema,
  contentType: contentTypeSchema,
  size: attachmentSizeSchema,
});

/**
 * How to upload: `PUT` the bytes to `url` with every header of `headers`, or (`POST`) send a
 * multipart form with `fields` first and the file last.
 */
export const uploadTargetSchema = z.strictObject({
  method: z.enum(['PUT', 'POST']),
  url: z.string(),
  headers: z.optional(z.record(z.string(), z.string())),
  fields: z.optional(z.record(z.string(), z.string())),
});
export type UploadTarget = z.infer<typeof uploadTargetSchema>;

export const attachmentUploadResult = z.strictObject({
  attachmentId: attachmentIdSchema,
  upload: uploadTargetSchema,
  /** Epoch ms after which the URL is refused. */
  expiresAt: timestamp(),
});
export type AttachmentUploadResult = z.infer<typeof attachmentUploadResult>;
