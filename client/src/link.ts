import { ReadyState, type WebSocketLike } from './websocket.js';

let nextLinkId = 1;

/**
 * One WebSocket and what the client knows about it. A client has at most one active link; during
 * a proactive reconnect the old one drains (answers its outstanding requests) while the new one
 * takes all new traffic.
 */
export class Link {
  readonly id = nextLinkId++;
  state: 'opening' | 'open' | 'closed' = 'opening';
  /** Replaced by a newer link: takes no new requests, closes once its requests are answered. */
  draining = false;
  openedAt = 0;
  /** The last `error` event (for telling a refused handshake from a network failure). */
  lastError: unknown;

  constructor(
    readonly socket: WebSocketLike,
    public purpose: 'connect' | 'rotate',
  ) {}

  get usable(): boolean {
    return this.state === 'open' && !this.draining && this.socket.readyState === ReadyState.OPEN;
  }

  /** Transmits a text frame; false when the socket cannot take it. */
  transmit(text: string): boolean {
    if (this.state !== 'open' || this.socket.readyState !== ReadyState.OPEN) return false;
    try {
      this.socket.send(text);
      return true;
    } catch {
      return false;
    }
  }
}
