import { expect } from 'vitest';

/** A text body. */
export const text = (value: string) => ({ kind: 'text', text: value });

/** The `data` of a reply that must succeed (the whole frame in the failure message). */
export async function ok(reply: Promise<any> | any): Promise<any> {
  const frame = await reply;
  expect(frame.ok, JSON.stringify(frame)).toBe(true);
  return frame.data;
}

/** Asserts a refusal with this code (and reason, when given). */
export async function refused(reply: Promise<any>, code: string, reason?: string): Promise<void> {
  const frame = await reply;
  expect(frame.ok, JSON.stringify(frame)).toBe(false);
  expect(frame.error).toMatchObject({ code, ...(reason ? { reason } : {}) });
}
