import { utf8ByteLength } from '@serverless-im/protocol';

/**
 * API Gateway delivers a WebSocket message of at most 128 KB, route responses included: a reply
 * over it never reaches the client, which would retry the same page forever. Pages are cut by
 * bytes as well as by count, with room left for the reply's envelope and its other fields.
 */
export const REPLY_ITEMS_BUDGET_BYTES = 100 * 1024;

export const jsonBytes = (value: unknown): number => utf8ByteLength(JSON.stringify(value) ?? '');

/**
 * The longest prefix of `items` whose JSON fits `budget` bytes, and whether it was cut. Always at
 * least one item: a single item is far below the quota (a message body is at most 16 KB).
 */
export function withinBytes<T>(items: readonly T[], budget: number = REPLY_ITEMS_BUDGET_BYTES): { items: T[]; cut: boolean } {
  let used = 0;
  for (let index = 0; index < items.length; index++) {
    used += jsonBytes(items[index]) + 1;
    if (used > budget && index > 0) return { items: items.slice(0, index), cut: true };
  }
  return { items: [...items], cut: false };
}
