/**
 * The subset of the standard WebSocket interface the SDK uses. Browser and React Native
 * WebSockets and the `ws` package's WebSocket all satisfy it. Handlers are assigned as
 * `onopen`/`onmessage`/`onclose`/`onerror` properties, which every implementation supports.
 */
export interface WebSocketLike {
  readonly readyState: number;
  // `any`: each implementation types its event objects differently; the SDK reads only
  // `event.data` (message) and `event.code`/`event.reason` (close).
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

/** The `ws` package's EventEmitter side, as far as the SDK uses it. */
interface EmitterSocket {
  on(event: 'unexpected-response', listener: (request: unknown, response: { statusCode?: unknown }) => void): unknown;
}

/**
 * Calls `refused(status)` when the server answers the handshake with an HTTP status other than
 * 101, on platforms that expose it through an API: the `ws` package emits `unexpected-response`
 * with the response. The socket is then closed (with a listener, `ws` leaves that to us), which
 * ends the attempt with a close event as usual. Browsers and React Native expose no status: there
 * this does nothing, and a refused handshake is a close before open of unknown cause.
 */
export function observeHandshakeRefusal(socket: WebSocketLike, refused: (status: number) => void): void {
  const emitter = socket as unknown as Partial<EmitterSocket>;
  if (typeof emitter.on !== 'function') return;
  emitter.on('unexpected-response', (_request, response) => {
    const status = typeof response?.statusCode === 'number' ? response.statusCode : 0;
    refused(status);
    try {
      socket.close();
    } catch {
      // Already closing.
    }
  });
}
