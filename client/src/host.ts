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
  /** Uploads: XMLHttpRequest where it exists (browsers, React Native: upload progress), else fetch. */
  XMLHttpRequest?: new () => XhrLike;
  fetch?: (url: string, init: { method: string; headers: Record<string, string>; body: unknown }) => Promise<{ status: number; text(): Promise<string> }>;
  FormData?: new () => { append(name: string, value: unknown, fileName?: string): void };
  Blob?: new (parts: unknown[], options?: { type?: string }) => unknown;
}

/** The part of XMLHttpRequest an upload uses. */
export interface XhrLike {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: unknown): void;
  abort(): void;
  readonly status: number;
  readonly responseText: string;
  upload?: { onprogress: ((event: { loaded: number; total: number }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  ontimeout: (() => void) | null;
  onabort: (() => void) | null;
  timeout: number;
}

export const host = (): HostGlobals => globalThis as unknown as HostGlobals;
