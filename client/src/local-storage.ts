import { host } from './host.js';
import type { JsonValue, StorageAdapter } from './storage.js';

/**
 * A string key-value backend: the browser's `localStorage`/`sessionStorage` (synchronous) or
 * React Native's `AsyncStorage` (asynchronous) both fit.
 */
export interface KeyValueBackend {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
}

/**
 * Stores JSON values in `localStorage` (default) or any {@link KeyValueBackend}, under
 * `prefix + key`. localStorage is per origin and holds a few MB: keep `messageCacheSize` modest.
 */
export class LocalStorageAdapter implements StorageAdapter {
  private readonly backend: KeyValueBackend;

  constructor(options: { backend?: KeyValueBackend; prefix?: string } = {}) {
    const backend = options.backend ?? host().localStorage;
    if (!backend) throw new Error('LocalStorageAdapter: no localStorage in this environment; pass options.backend');
    this.backend = backend;
    this.prefix = options.prefix ?? '';
  }

  private readonly prefix: string;

  async get(key: string): Promise<JsonValue | undefined> {
    const text = await this.backend.getItem(this.prefix + key);
    if (text === null || text === undefined) return undefined;
    try {
      return JSON.parse(text) as JsonValue;
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: JsonValue): Promise<void> {
    await this.backend.setItem(this.prefix + key, JSON.stringify(value));
  }

  async delete(key: string): Promise<void> {
    await this.backend.removeItem(this.prefix + key);
  }
}
