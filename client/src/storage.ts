/** A JSON value as the SDK stores it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue | undefined };

/**
 * Where the client keeps what must survive a reload: `lastSeq`, the outbox, large-group cursors
 * and a bounded message cache. Keys are strings (the client prefixes its own), values JSON.
 * Implementations may be synchronous underneath; the SDK always awaits.
 */
export interface StorageAdapter {
  get(key: string): Promise<JsonValue | undefined>;
  set(key: string, value: JsonValue): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * Keeps everything in memory (the default): state survives a reconnect but not a reload. Values
 * are copied in and out, as a real store would serialise them.
 */
export class MemoryStorage implements StorageAdapter {
  private readonly values = new Map<string, string>();

  async get(key: string): Promise<JsonValue | undefined> {
    const text = this.values.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as JsonValue);
  }

  async set(key: string, value: JsonValue): Promise<void> {
    this.values.set(key, JSON.stringify(value));
  }

  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }

  /** The keys held (for tests and debugging). */
  keys(): string[] {
    return [...this.values.keys()];
  }
}
