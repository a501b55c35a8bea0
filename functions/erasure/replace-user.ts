/**
 * The erased user's id replaced by the tombstone id in any stored value: every string equal to the
 * id (a sender, a `by`, a member list, a mention, a reaction's users); arrays keep each entry once.
 * Strings that merely contain the id (a direct conversation id) are not touched: a direct
 * conversation with the user is erased whole instead.
 */
export function replaceUser<T>(value: T, userId: string, tombstone: string): { value: T; changed: boolean } {
  let changed = false;
  const walk = (input: unknown): unknown => {
    if (input === userId) {
      changed = true;
      return tombstone;
    }
    if (Array.isArray(input)) {
      const mapped = input.map(walk);
      return mapped.every((entry) => typeof entry === 'string') ? [...new Set(mapped)] : mapped;
    }
    if (input instanceof Set) return new Set([...input].map(walk));
    if (input && typeof input === 'object') return Object.fromEntries(Object.entries(input).map(([key, inner]) => [key, walk(inner)]));
    return input;
  };
  const next = walk(value) as T;
  return { value: changed ? next : value, changed };
}

/** Whether the value holds the user id anywhere (as a whole string). */
export const mentionsUser = (value: unknown, userId: string): boolean => replaceUser(value, userId, '').changed;
