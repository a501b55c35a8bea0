/** Deployment settings of message changes, from the function environment (CDK context `editWindowHours`, `recallWindowHours`). */
export interface ChangeSettings {
  /** How long after sending its sender may edit a message. */
  editWindowMs: number;
  /** How long after sending its sender may recall a message. */
  recallWindowMs: number;
}

const HOUR_MS = 60 * 60 * 1000;

export function changeSettingsFromEnv(): ChangeSettings {
  return {
    editWindowMs: Number(process.env.EDIT_WINDOW_HOURS ?? 24) * HOUR_MS,
    recallWindowMs: Number(process.env.RECALL_WINDOW_HOURS ?? 24) * HOUR_MS,
  };
}
