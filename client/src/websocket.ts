/**
 * The subset of the standard WebSocket interface the SDK uses. Browser and React Native
 * WebSockets and the `ws` package's WebSocket all satisfy it. Handlers are assigned as
 * `onopen`/`onmessage`/`onclose`/`onerror` properties, which every implementation supports.
 */
export interface WebSocketLike {
  readonly readyState: number;
  // `any`: each implementation types its event objects differently; the SDK reads only
  // `event.data` (message), `event.code`/`event.reason` (close) and `event.message` (error).
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** `new WebSocket(url)`. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** readyState values (the same in every implementation). */
export const ReadyState = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;
