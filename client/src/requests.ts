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
  /** When the request's timeout ends (timers' clock). */
  deadline: number;
  /** The wait before a resend after RATE_LIMITED, while it runs. */
  retryTimer?: unknown;
}

/**
 * RATE_LIMITED reasons the request layer waits out and resends itself (`retryAfterMs` later),
 * while the request's timeout allows: the refusal means nothing was done, so any action may be
 * repeated. `sendRate` is the outbox's to handle (its own backoff, the same `clientMsgId`);
 * `uploadQuota` lasts until the next UTC day.
 */
const RESENT_RATE_REASONS = new Set(['connectionRate', 'userRate']);

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
  /** Requests waiting out a RATE_LIMITED reply before they are sent again. */
  private readonly waiting = new Set<Pending>();
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
        deadline: 0,
      };
      const link = this.deps.currentLink();
      if (!link && (options.whenDisconnected ?? this.deps.whenDisconnected) === 'fail') {
        reject(new ImError('DISCONNECTED', `${action}: not connected`, { action }));
        return;
      }
      const timeoutMs = options.timeoutMs ?? this.deps.defaultTimeoutMs;
      entry.deadline = this.deps.timers.now() + timeoutMs;
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
    if (!reply.ok && this.resendLater(entry, reply.error)) return true;
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
    for (const entry of [...this.queued, ...this.pending.values(), ...this.waiting]) {
      this.settle(entry);
      entry.reject(new ImError('DISCONNECTED', `${entry.action}: ${message}`, { action: entry.action }));
    }
    this.queued.length = 0;
    for (const link of [...this.idleWaiters.keys()]) this.notifyIdle(link);
  }

  /**
   * Waits out a RATE_LIMITED reply's `retryAfterMs` and sends the request again, when its reason is
   * one the request layer handles and the wait ends before the request's deadline. False: the
   * reply settles the request as usual.
   */
  private resendLater(entry: Pending, error: { code: string; reason?: string; retryAfterMs?: number }): boolean {
    if (error.code !== 'RATE_LIMITED' || !RESENT_RATE_REASONS.has(error.reason ?? '')) return false;
    const wait = typeof error.retryAfterMs === 'number' && Number.isFinite(error.retryAfterMs) ? Math.max(error.retryAfterMs, 0) : undefined;
    if (wait === undefined || this.deps.timers.now() + wait >= entry.deadline) return false;
    const link = entry.link;
    this.pending.delete(entry.id);
    if (link) this.notifyIdle(link);
    entry.link = undefined;
    this.waiting.add(entry);
    entry.retryTimer = this.deps.timers.setTimeout(() => {
      entry.retryTimer = undefined;
      this.waiting.delete(entry);
      const current = this.deps.currentLink();
      if (current) this.transmit(entry, current);
      else this.queued.push(entry);
    }, wait);
    return true;
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
    if (entry.retryTimer !== undefined) {
      this.deps.timers.clearTimeout(entry.retryTimer);
      entry.retryTimer = undefined;
    }
    this.waiting.delete(entry);
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
