/**
 * What DynamoDB can hold of a JSON value, checked before anything is written: a custom payload the
 * schema accepted but storage refused would fail after seqs were allocated, leaving `void` items.
 *
 * - Integers must be safe (the document client refuses larger ones rather than lose digits, and a
 *   double above 2^53 is always an integer).
 * - Other numbers need a magnitude of at least 1e-130, DynamoDB's smallest.
 * - Nesting: DynamoDB stores 32 levels; a payload sits up to four levels deep in a timeline item
 *   (item, message, body, payload) and later wrappers may add a few, so payloads get 16.
 */
export const MAX_PAYLOAD_DEPTH = 16;
const SMALLEST_MAGNITUDE = 1e-130;

/** Why `value` cannot be stored, or undefined when it can. */
export function unstorableReason(value: unknown, depth = 0): string | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'numbers must be finite';
    if (Number.isInteger(value)) return Number.isSafeInteger(value) ? undefined : `integers must be within ±${Number.MAX_SAFE_INTEGER}`;
    return Math.abs(value) >= SMALLEST_MAGNITUDE ? undefined : `numbers other than 0 must have a magnitude of at least ${SMALLEST_MAGNITUDE}`;
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_PAYLOAD_DEPTH) return `payload may nest at most ${MAX_PAYLOAD_DEPTH} levels`;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    const reason = unstorableReason(child, depth + 1);
    if (reason) return reason;
  }
  return undefined;
}
