import { ImError } from './errors.js';
import type { Link } from './link.js';
import type { ReplyFrame } from './protocol.js';
import type { Timers } from './timers.js';

/** What to do with a request made while there is no usable connection. */
export type WhenDisconnected = 'wait' | 'fail';

export interface RequestOptions {
  /**
   * Bound on the whole request, from the call to the reply, ms. Expiring before the request could
   * be transmitted rejects with DISCONNECTED; after, with TIMEOUT (the outcome is then unknown).
   */
  timeoutMs?: number;
  /** `wait` (default): queue until connected, within `timeoutMs`. `fail`: reject with DISCONNECTED at once. */
  whenDisconnected?: WhenDisconnected;
}

interface Pending {
  id: string;
  action: string;
  text: string;
  link: Link | undefined;
  resolve(data: unknown): void;
  reject(error: ImError): void;
  timer: unknown;
}

export interface RequestDeps {
  timers: Timers;
  defaultTimeoutMs: number;
  whenDisconnected: WhenDisconnected;
  /** The link new requests go to, when there is a usable one. */
  currentLink(): Link | undefined;
  newRequestId(): string;
}

/**
 * Request/response correlation by `id`: every request gets an id of its own, a timeout, and a
 * promise settled by the reply with that id. Requests wait in order for a connection (or fail
 * fast), and requests on a link that closes reject with DISCONNECTED.
 */
export class RequestManager {
  private readonly pending = new Map<string, Pending>();
  private readonly queued: Pending[] = [];
  private readonly idleWaiters = new Map<Link, (() => void)[]>();

  constructor(private readonly deps: RequestDeps) {}

  request<T>(action: string, params: object = {}, options: RequestOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = this.deps.newRequestId();
      const entry: Pending = {
        id,
        action,
        text: JSON.stringify({ ...params, action, id }),
        link: undefined,
        resolve: resolve as (data: unknown) => void,
        reject,
        timer: undefined,
      };
      const link = this.deps.currentLink();
      if (!link && (options.whenDisconnected ?? this.deps.whenDisconnected) === 'fail') {
        reject(new ImError('DISCONNECTED', `${action}: not connected`, { action }));
        return;
      }
      const timeoutMs = options.timeoutMs ?? this.deps.defaultTimeoutMs;
      entry.timer = this.deps.timers.setTimeout(() => this.expire(entry, timeoutMs), timeoutMs);
      if (link) this.transmit(entry, link);
      else this.queued.push(entry);
    });
  }

  /** Settles the request a reply answers; false when no request has its id. */
  handleReply(reply: ReplyFrame): boolean {
    if (reply.id === null) return false;
    const entry = this.pending.get(reply.id);
    if (!entry) return false;
    this.settle(entry);
    if (reply.ok) entry.resolve(reply.data);
    else entry.reject(ImError.fromReply(reply.error, entry.action));
    return true;
  }

  /** A link became usable: transmit what waited for it. */
  flushQueued(link: Link): void {
    while (this.queued.length > 0 && link.usable) this.transmit(this.queued.shift()!, link);
  }

  /** A link closed: whatever was sent on it will never be answered. */
  linkClosed(link: Link): void {
    for (const entry of [...this.pending.values()]) {
      if (entry.link !== link) continue;
      this.settle(entry);
      entry.reject(new ImError('DISCONNECTED', `${entry.action}: the connection closed before the reply`, { action: entry.action }));
    }
    this.notifyIdle(link);
  }

  /** Resolves once no request sent on `link` is outstanding. */
  whenIdle(link: Link): Promise<void> {
    if (this.countOn(link) === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.idleWaiters.get(link) ?? [];
      waiters.push(resolve);
      this.idleWaiters.set(link, waiters);
    });
  }

  /** Rejects everything (the client stops). */
  rejectAll(message: string): void {
    for (const entry of [...this.queued, ...this.pending.values()]) {
      this.settle(entry);
      entry.reject(new ImError('DISCONNECTED', `${entry.action}: ${message}`, { action: entry.action }));
    }
    this.queued.length = 0;
    for (const link of [...this.idleWaiters.keys()]) this.notifyIdle(link);
  }

  private transmit(entry: Pending, link: Link): void {
    entry.link = link;
    this.pending.set(entry.id, entry);
    if (!link.transmit(entry.text)) {
      this.settle(entry);
      entry.reject(new ImError('DISCONNECTED', `${entry.action}: the connection could not take the request`, { action: entry.action }));
    }
  }

  private expire(entry: Pending, timeoutMs: number): void {
    const transmitted = this.pending.get(entry.id) === entry;
    this.settle(entry);
    entry.reject(
      transmitted
        ? new ImError('TIMEOUT', `${entry.action}: no reply within ${timeoutMs} ms`, { action: entry.action })
        : new ImError('DISCONNECTED', `${entry.action}: not connected within ${timeoutMs} ms`, { action: entry.action }),
    );
  }

  /** Forgets a request (before settling its promise). */
  private settle(entry: Pending): void {
    this.deps.timers.clearTimeout(entry.timer);
    const index = this.queued.indexOf(entry);
    if (index >= 0) this.queued.splice(index, 1);
    if (this.pending.get(entry.id) === entry) {
      this.pending.delete(entry.id);
      if (entry.link) this.notifyIdle(entry.link);
    }
  }

  private countOn(link: Link): number {
    let count = 0;
    for (const entry of this.pending.values()) if (entry.link === link) count++;
    return count;
  }

  private notifyIdle(link: Link): void {
    const waiters = this.idleWaiters.get(link);
    if (!waiters || this.countOn(link) > 0) return;
    this.idleWaiters.delete(link);
    for (const resolve of waiters) resolve();
  }
}
