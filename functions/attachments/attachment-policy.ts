/** What a deployment allows (lib/config.ts, "attachments"): the handlers read it from their environment. */
export interface AttachmentPolicy {
  maxBytes: number;
  contentTypes: ReadonlySet<string>;
  dailyQuotaBytes: number;
  /** How long presigned upload and download URLs stay valid. */
  urlExpirySeconds: number;
}

/** About 15 minutes: long enough for a slow 100 MB upload, short enough that a leaked URL soon dies. */
export const URL_EXPIRY_SECONDS = 15 * 60;

export function attachmentPolicyOf(env: { maxBytes: string; contentTypes: string; dailyQuotaBytes: string }): AttachmentPolicy {
  return {
    maxBytes: Number(env.maxBytes),
    contentTypes: new Set(env.contentTypes.split(',').filter(Boolean)),
    dailyQuotaBytes: Number(env.dailyQuotaBytes),
    urlExpirySeconds: URL_EXPIRY_SECONDS,
  };
}

/** The UTC day of an instant, `YYYY-MM-DD`: quotas count per day. */
export const utcDayOf = (now: number): string => new Date(now).toISOString().slice(0, 10);

/** Milliseconds from `now` to the next UTC midnight: when a used-up quota is new again. */
export const msUntilNextUtcDay = (now: number): number => 86_400_000 - (now % 86_400_000);
