import type { WebSocketConstructor } from './websocket.js';

/**
 * The few host globals the SDK may touch, all standard in browsers, React Native and Node 18+.
 * They are looked up when used (not when this module loads), so polyfills and test doubles
 * installed later still count. The SDK never imports a Node built-in.
 */
export interface HostGlobals {
  setTimeout?: (callback: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  WebSocket?: WebSocketConstructor;
  addEventListener?: (type: string, listener: () => void) => void;
  removeEventListener?: (type: string, listener: () => void) => void;
  navigator?: { onLine?: boolean };
  crypto?: { getRandomValues?: (array: Uint8Array) => Uint8Array };
  localStorage?: { getItem(key: string): string | null; setItem(key: string, value: string): void; removeItem(key: string): void };
  console?: { error?: (...args: unknown[]) => void };
}

export const host = (): HostGlobals => globalThis as unknown as HostGlobals;
