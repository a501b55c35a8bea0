import { type ImClient, isImError } from '../../client/src/index.js';

/** What every view of the signed-in page gets: the SDK client, who is signed in, and how to show an error. */
export interface AppContext {
  readonly client: ImClient;
  readonly me: string;
  showError(text: string): void;
}

/** Runs a UI action and shows what it throws instead of losing it. */
export async function guarded(context: AppContext, action: () => void | Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    context.showError(errorText(error));
  }
}

export const errorText = (error: unknown): string =>
  isImError(error) ? `${error.code}${error.message ? `: ${error.message}` : ''}` : error instanceof Error ? error.message : String(error);
