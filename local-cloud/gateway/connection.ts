import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import type { GatewayLimits } from './gateway-config.js';
import { watchFrameSizes } from './frame-size-guard.js';
import type { ConnectionFacts } from './proxy-events.js';

/** RFC 6455 close codes the gateway uses. */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  abnormal: 1006,
  messageTooBig: 1009,
} as const;

/**
 * How long a client gets to answer our close frame before the socket is cut. `ws` waits 30 s;
 * a shorter wait keeps `stop()` quick, and a well-behaved client answers in milliseconds.
 */
const CLOSE_HANDSHAKE_GRACE_MS = 5_000;

export interface ConnectionHandlers {
  onMessage(connection: Connection, text: string): void;
  /** Called exactly once, when the socket is gone, with the code and reason `$disconnect` reports. */
  onClosed(connection: Connection, code: number, reason: string): void;
}

/** One accepted WebSocket connection: its facts, its activity, and the limits that end it. */
export class Connection {
  readonly id: string;
  lastActiveAt: number;
  /** Settles once `onClosed` has run. */
  readonly closed: Promise<void>;

  private closing = false;
  /** The code we closed with: `$disconnect` reports it even if the client echoes something else. */
  private closeSent: { code: number; reason: string } | undefined;
  private readonly idleTimer: NodeJS.Timeout;
  private readonly lifetimeTimer: NodeJS.Timeout;
  private readonly stopFrameWatch: () => void;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly facts: ConnectionFacts,
    private readonly socket: WebSocket,
    rawSocket: Duplex,
    private readonly limits: GatewayLimits,
    handlers: ConnectionHandlers,
  ) {
    this.id = facts.connectionId;
    this.lastActiveAt = facts.connectedAt;

    // API Gateway's idle timeout counts data in either direction; ping/pong does not keep a
    // connection alive there (it has no protocol-level keepalive), so only messages touch().
    this.idleTimer = setTimeout(() => this.close(CloseCode.goingAway, 'Going away'), limits.idleTimeoutMs);
    this.lifetimeTimer = setTimeout(() => this.close(CloseCode.goingAway, 'Going away'), limits.maxConnectionMs);
    this.stopFrameWatch = watchFrameSizes(rawSocket, limits.maxFrameBytes, () => this.close(CloseCode.messageTooBig, 'Message too big'));

    let resolveClosed: () => void = () => {};
    this.closed = new Promise((resolve) => (resolveClosed = resolve));

    socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (this.closing) return;
      if (isBinary) {
        // AWS documents this: binary frames are rejected and the client disconnected with 1003.
        this.close(CloseCode.unsupportedData, 'Binary frames are not supported');
        return;
      }
      this.touch();
      handlers.onMessage(this, rawDataToString(data));
    });
    // `ws` reports protocol violations (oversized message, bad UTF-8, ...) here, sends the close
    // frame itself and stops reading, so the 'close' event that follows only knows 1006.
    socket.on('error', (error: Error & { code?: unknown }) => {
      if (!this.closing) {
        const code = closeCodeOfWsError(error);
        if (code !== undefined) this.closeSent = { code, reason: '' };
      }
      this.closing = true;
    });
    socket.once('close', (code: number, reason: Buffer) => {
      this.closing = true;
      this.clearTimers();
      const reported = this.closeSent ?? { code, reason: reason.toString('utf8') };
      try {
        handlers.onClosed(this, reported.code, reported.reason);
      } finally {
        resolveClosed();
      }
    });
  }

  /** Open and not closing: the only state in which the management API can reach it. */
  isOpen(): boolean {
    return !this.closing && this.socket.readyState === WebSocket.OPEN;
  }

  /**
   * Sends a text message. API Gateway delivers messages in frames of at most 32 KB, so larger
   * ones are fragmented the same way; fragments are queued synchronously, so no other message
   * can slip between them.
   */
  send(data: string | Buffer): boolean {
    if (!this.isOpen()) return false;
    this.touch();
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const frame = this.limits.maxFrameBytes;
    if (bytes.length <= frame) {
      this.socket.send(bytes, { binary: false });
      return true;
    }
    for (let offset = 0; offset < bytes.length; offset += frame) {
      const end = Math.min(offset + frame, bytes.length);
      this.socket.send(bytes.subarray(offset, end), { binary: false, fin: end === bytes.length });
    }
    return true;
  }

  /** Starts the close handshake; the connection ends (and `$disconnect` fires) when the socket closes. */
  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.closeSent = { code, reason };
    this.clearTimers();
    this.socket.close(code, reason);
    this.graceTimer = setTimeout(() => this.socket.terminate(), CLOSE_HANDSHAKE_GRACE_MS);
  }

  private touch(): void {
    this.lastActiveAt = Date.now();
    this.idleTimer.refresh();
  }

  private clearTimers(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.lifetimeTimer);
    clearTimeout(this.graceTimer);
    this.stopFrameWatch();
  }
}

/** The close code `ws` sent for a receiver error; undefined for socket errors (those end as 1006). */
function closeCodeOfWsError(error: { code?: unknown }): number | undefined {
  if (typeof error.code !== 'string' || !error.code.startsWith('WS_ERR_')) return undefined;
  switch (error.code) {
    case 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH':
    case 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH':
      return CloseCode.messageTooBig;
    case 'WS_ERR_INVALID_UTF8':
      return 1007;
    default:
      return 1002;
  }
}

function rawDataToString(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
