import * as z from 'zod/mini';
import { conversationIdSchema, position, requestIdSchema, timestamp } from '../schemas/identifiers.js';
import { REPORT_REASONS } from '../reports.js';

/**
 * `report`: a member reports a message of the conversation to the company running the service.
 * One report per reporter and message: reporting again answers the first report.
 */
export const reportRequest = z.strictObject({
  action: z.literal('report'),
  id: requestIdSchema,
  conversationId: conversationIdSchema,
  conversationSeq: position(),
  reason: z.enum(REPORT_REASONS),
});
/** `reportedAt` and `reason` of the report as stored (the first one, for a repeat). */
export const reportResult = z.strictObject({ reportedAt: timestamp(), reason: z.enum(REPORT_REASONS), alreadyReported: z.boolean() });
export type ReportResult = z.infer<typeof reportResult>;
