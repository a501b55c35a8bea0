import type { Timer } from './timers.js';
import { ReadyState, type WebSocketLike } from './websocket.js';

/**
 * One WebSocket and what the client knows about it. A client has at most one active link; during
 * a proactive reconnect the old one drains (answers its outstanding requests) while the new one
 * takes all new traffic.
 */
export class Link {
  state: 'opening' | 'open' | 'closed' = 'opening';
  /** Replaced by a newer link: takes no new requests, closes once its requests are answered. */
  draining = false;
  openedAt = 0;
  /** When the last frame arrived on it (epoch ms; 0 before any): proof that frames still reach the client. */
  receivedAt = 0;
  /** When the token this link connected with expires (epoch ms), when it is a JWT with `exp`. */
  tokenExpiresAt: number | undefined;
  /** The HTTP status of a refused handshake, where the platform exposes it (Node's `ws`). */
  handshakeStatus: number | undefined;
  /** @internal Gives up on a socket that does not open in time. */
  connectTimer: Timer | undefined;
  /** @internal Bounds the drain of a replaced link. */
  drainTimer: Timer | undefined;

  constructor(
    /** The connection attempt that opened it (unique per client). */
    readonly id: number,
    readonly socket: WebSocketLike,
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
