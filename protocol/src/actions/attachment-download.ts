import * as z from 'zod/mini';
import { conversationIdSchema, position, requestIdSchema, timestamp } from '../schemas/identifiers.js';

/** `attachmentDownload`: a short-lived URL for the attachment of one message, for members only. */
export const attachmentDownloadRequest = z.strictObject({
  action: z.literal('attachmentDownload'),
  id: requestIdSchema,
  conversationId: conversationIdSchema,
  conversationSeq: position(),
});

export const attachmentDownloadResult = z.strictObject({
  /** A GET URL; images, video and audio are served inline, anything else as a download. */
  url: z.string(),
  /** Epoch ms after which the URL is refused: ask again. */
  expiresAt: timestamp(),
});
export type AttachmentDownloadResult = z.infer<typeof attachmentDownloadResult>;
