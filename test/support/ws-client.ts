import WebSocket from 'ws';

export interface ReplyFrame {
  id: string | null;
  ok: boolean;
  data?: any;
  error?: { code: string; message: string; reason?: string; retryAfterMs?: number };
}

export interface EventFrame {
  event: string;
  data: any;
}

/**
 * A protocol client for tests: a real WebSocket, request/response correlation by `id`, and a log
 * of every event pushed to it. Waits are bounded by generous timeouts, never asserted on.
 */
export class TestClient {
  readonly events: EventFrame[] = [];
  readonly frames: unknown[] = [];
  private readonly waiters = new Map<string, (reply: ReplyFrame) => void>();
  private readonly listeners = new Set<() => void>();
  private nextId = 1;
  closeCode: number | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      let frame: any;
      try {
        frame = JSON.parse(text);
      } catch {
        frame = text;
      }
      this.frames.push(frame);
      if (frame && typeof frame === 'object' && 'event' in frame) this.events.push(frame as EventFrame);
      else if (frame && typeof frame === 'object' && typeof frame.id === 'string' && this.waiters.has(frame.id)) {
        const waiter = this.waiters.get(frame.id)!;
        this.waiters.delete(frame.id);
        waiter(frame as ReplyFrame);
      }
      for (const listener of this.listeners) listener();
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      for (const listener of this.listeners) listener();
    });
  }

  static connect(url: string, query: Record<string, string>): Promise<TestClient> {
    const target = new URL(url);
    for (const [key, value] of Object.entries(query)) target.searchParams.set(key, value);
    const socket = new WebSocket(target);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new TestClient(socket)));
      socket.once('unexpected-response', (_request, response) => reject(new HandshakeRefused(response.statusCode ?? 0)));
      socket.once('error', reject);
    });
  }

  /** Sends a request and resolves with its reply (ok or not). */
  request(action: string, params: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<ReplyFrame> {
    const id = `r${this.nextId++}`;
    return this.requestWithId(id, { action, id, ...params }, timeoutMs);
  }

  requestWithId(id: string, frame: unknown, timeoutMs = 60_000): Promise<ReplyFrame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`no reply to ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    });
  }

  /** Sends raw text and resolves with the next frame that is not an event. */
  sendRaw(text: string, timeoutMs = 20_000): Promise<unknown> {
    const seen = this.frames.length;
    this.socket.send(text);
    return this.waitFor(
      () => this.frames.slice(seen).find((frame) => !(frame && typeof frame === 'object' && 'event' in frame)),
      timeoutMs,
    );
  }

  /** Resolves with the first truthy value of `check`, re-evaluated on every frame. */
  waitFor<T>(check: () => T | undefined | false | null, timeoutMs = 20_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const evaluate = (): boolean => {
        const value = check();
        if (value) {
          cleanup();
          resolve(value);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      const listener = (): void => void evaluate();
      this.listeners.add(listener);
      evaluate();
    });
  }

  waitForEvent(name: string, predicate: (data: any) => boolean = () => true, timeoutMs = 20_000): Promise<EventFrame> {
    return this.waitFor(() => this.events.find((event) => event.event === name && predicate(event.data)), timeoutMs);
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

export class HandshakeRefused extends Error {
  constructor(readonly status: number) {
    super(`handshake refused with HTTP ${status}`);
  }
}
