import { expect } from 'vitest';

/**
 * Waits until `predicate` holds. Tests wait for conditions, never for fixed delays, and the
 * timeout is generous: it only turns a hang into a readable failure on a slow, shared machine.
 */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  description = 'condition',
): Promise<void> {
  await expect.poll(predicate, { timeout: timeoutMs, interval: 20, message: `waiting for ${description}` }).toBe(true);
}

/** A promise with its resolve exposed: lets a test hold an invocation open and release it. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
