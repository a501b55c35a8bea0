/** Why a message is reported (`report`): a closed list, so a report carries no free text to store or review. */
export const REPORT_REASONS = ['spam', 'harassment', 'hate', 'violence', 'sexual', 'selfHarm', 'illegal', 'other'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];
