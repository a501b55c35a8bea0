import { Backoff, type BackoffOptions } from './backoff.js';
import { ImError } from './errors.js';
import { Link } from './link.js';
import type { NetworkMonitor } from './network.js';
import { Timer, type Timers } from './timers.js';
import type { WebSocketConstructor } from './websocket.js';

/**
 * - `idle`: not started. `connecting`: opening a socket. `connected`: a socket is open.
 * - `reconnecting`: waiting out a backoff delay before the next attempt.
 * - `offline`: the device is offline; attempts resume when it is back online.
 * - `closed`: stopped by `stop()`.
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'closed';

export interface ConnectionStateChange {
  state: ConnectionState;
  previous: ConnectionState;
  /** `reconnecting`: the attempt about to be made (1 = first retry) and the delay before it. */
  attempt?: number;
  delayMs?: number;
  /** Why the last connection or attempt ended, when known. */
  error?: ImError;
}

/** Returns a token for the next connection attempt; called again before every attempt. */
export type TokenProvider = () => string | Promise<string>;

export interface ReconnectOptions extends BackoffOptions {
  /** A connection that stays open this long resets the backoff to its first step, ms. */
  healthyAfterMs: number;
}

export interface ConnectionOptions {
  url: string;
  token: TokenProvider;
  deviceId: string | undefined;
  WebSocket: WebSocketConstructor;
  timers: Timers;
  random: () => number;
  reconnect: ReconnectOptions;
  connectTimeoutMs: number;
  /** Application-level ping interval (API Gateway drops a connection idle for 10 minutes), ms. */
  pingIntervalMs: number;
  /** Age at which a connection is replaced by a fresh one (API Gateway's limit is 2 hours), ms. */
  maxConnectionAgeMs: number;
  /** How long a replaced connection may take to answer its outstanding requests, ms. */
  drainTimeoutMs: number;
  network: NetworkMonitor | undefined;
}

export interface ConnectionHooks {
  /** A text frame arrived on a link. */
  frame(link: Link, text: string): void;
  /** A link is open and takes traffic (`rotated`: it replaced a link that is still draining). */
  opened(link: Link, info: { rotated: boolean }): void;
  /** A link is gone (its outstanding requests will never be answered). */
  closed(link: Link): void;
  /** Sends a ping on the link; rejects when it fails. */
  ping(link: Link): Promise<void>;
  /** Resolves once the link has no outstanding requests. */
  whenIdle(link: Link): Promise<void>;
  stateChanged(change: ConnectionStateChange): void;
  error(error: unknown): void;
}

/** Close code the SDK uses when it ends a link itself (1000 = normal closure). */
const NORMAL_CLOSURE = 1000;

/**
 * The connection lifecycle: connect with a fresh token, reconnect with exponential backoff and
 * full jitter (reset once a connection stayed healthy), ping below the idle timeout and kill a
 * link whose ping goes unanswered, replace a connection before the 2-hour limit (make before
 * break), and pause while the device is offline.
 */
export class ConnectionManager {
  private current: ConnectionState = 'idle';
  private active: Link | undefined;
  /** A `connect` attempt in progress (fetching its token, or its socket opening). */
  private connecting = false;
  private opening: Link | undefined;
  private rotating: Link | undefined;
  private readonly links = new Set<Link>();
  private stopped = true;
  /** Bumped by stop(): async steps of an older run see they are stale. */
  private epoch = 0;
  private offline = false;
  private unsubscribeNetwork: (() => void) | undefined;
  private readonly backoff: Backoff;
  private readonly rotationBackoff: Backoff;
  private readonly retryTimer: Timer;
  private readonly healthyTimer: Timer;
  private readonly pingTimer: Timer;
  private readonly ageTimer: Timer;
  private readonly connectTimers = new Map<Link, Timer>();
  private lastError: ImError | undefined;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly hooks: ConnectionHooks,
  ) {
    this.backoff = new Backoff(options.reconnect, options.random);
    this.rotationBackoff = new Backoff(options.reconnect, options.random);
    this.retryTimer = new Timer(options.timers);
    this.healthyTimer = new Timer(options.timers);
    this.pingTimer = new Timer(options.timers);
    this.ageTimer = new Timer(options.timers);
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** The link requests go to, if there is a usable one. */
  get link(): Link | undefined {
    return this.active?.usable ? this.active : undefined;
  }

  /** Reconnect attempts since the last healthy connection. */
  get attempts(): number {
    return this.backoff.attempts;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const network = this.options.network;
    if (network) {
      this.offline = !network.isOnline();
      this.unsubscribeNetwork = network.subscribe((online) => (online ? this.wentOnline() : this.wentOffline()));
    }
    if (this.offline) this.setState('offline');
    else void this.openLink('connect');
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.epoch++;
    this.unsubscribeNetwork?.();
    this.unsubscribeNetwork = undefined;
    for (const timer of [this.retryTimer, this.healthyTimer, this.pingTimer, this.ageTimer]) timer.cancel();
    for (const link of [...this.links]) this.kill(link, 'client stopped');
    this.connecting = false;
    this.backoff.reset();
    this.rotationBackoff.reset();
    this.setState('closed');
  }

  /** Drops the current connection (if any) and connects again now, without backoff. */
  reconnectNow(): void {
    if (this.stopped) return;
    this.backoff.reset();
    if (this.active) this.kill(this.active, 'reconnect requested');
    this.retryTimer.cancel();
    this.connectNow();
  }

  /** Ends a link that is presumed dead (e.g. its ping went unanswered) and reconnects. */
  kill(link: Link, reason: string): void {
    const socket = link.socket;
    socket.onopen = socket.onmessage = socket.onclose = null;
    // Keep an error listener: `ws` emits `error` when a socket still connecting is closed, and an
    // EventEmitter error without a listener would crash a Node process.
    socket.onerror = () => undefined;
    try {
      socket.close(NORMAL_CLOSURE, reason);
    } catch {
      // Closing a socket that never opened may throw in some implementations; it is gone anyway.
    }
    this.linkClosed(link, new ImError('DISCONNECTED', reason));
  }

  private connectNow(): void {
    if (this.stopped || this.offline || this.active || this.connecting) return;
    this.retryTimer.cancel();
    void this.openLink('connect');
  }

  private async openLink(purpose: 'connect' | 'rotate'): Promise<void> {
    const epoch = this.epoch;
    if (purpose === 'connect') {
      if (this.connecting) return;
      this.connecting = true;
      this.setState('connecting');
    }
    let token: string;
    try {
      token = await this.options.token();
    } catch (error) {
      if (epoch !== this.epoch) return;
      const failure = new ImError('UNAUTHORIZED', `token provider failed: ${error instanceof Error ? error.message : String(error)}`);
      this.hooks.error(failure);
      this.attemptFailed(purpose, failure);
      return;
    }
    if (epoch !== this.epoch || this.stopped) return;
    if (purpose === 'rotate' && !this.active) return;

    let link: Link;
    try {
      link = new Link(new this.options.WebSocket(this.urlWith(token)), purpose);
    } catch (error) {
      const failure = new ImError('DISCONNECTED', `cannot open a WebSocket: ${error instanceof Error ? error.message : String(error)}`);
      this.hooks.error(failure);
      this.attemptFailed(purpose, failure);
      return;
    }
    this.links.add(link);
    if (purpose === 'connect') this.opening = link;
    else this.rotating = link;

    const connectTimer = new Timer(this.options.timers);
    this.connectTimers.set(link, connectTimer);
    connectTimer.start(this.options.connectTimeoutMs, () => this.kill(link, `no connection within ${this.options.connectTimeoutMs} ms`));

    const socket = link.socket;
    socket.onopen = () => this.linkOpened(link);
    socket.onmessage = (event: { data?: unknown }) => {
      if (link.state === 'closed') return;
      if (typeof event?.data === 'string') this.hooks.frame(link, event.data);
    };
    socket.onerror = (event: unknown) => {
      link.lastError = event;
      // Some implementations report a failed handshake with `error` only: treat it as the end.
      if (link.state === 'opening') this.kill(link, describeSocketError(event) ?? 'connection failed');
    };
    socket.onclose = (event: { code?: number; reason?: string }) => {
      const detail = [event?.code, event?.reason].filter((part) => part !== undefined && part !== '').join(' ');
      this.linkClosed(link, new ImError('DISCONNECTED', `connection closed${detail ? ` (${detail})` : ''}`));
    };
  }

  private urlWith(token: string): string {
    // Plain string building: React Native's URL has no working searchParams.
    const { url, deviceId } = this.options;
    let result = `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
    if (deviceId !== undefined) result += `&device=${encodeURIComponent(deviceId)}`;
    return result;
  }

  private linkOpened(link: Link): void {
    this.connectTimers.get(link)?.cancel();
    this.connectTimers.delete(link);
    if (this.stopped || link.state !== 'opening') {
      this.kill(link, 'stale connection');
      return;
    }
    link.state = 'open';
    link.openedAt = this.options.timers.now();
    this.lastError = undefined;
    const previous = this.active;
    if (link === this.opening) {
      this.opening = undefined;
      this.connecting = false;
    }
    if (link === this.rotating) this.rotating = undefined;
    this.active = link;
    this.rotationBackoff.reset();
    this.armLinkTimers(link);
    const rotated = previous !== undefined && previous !== link;
    if (rotated) previous.draining = true;
    if (link.purpose === 'connect') {
      this.healthyTimer.start(this.options.reconnect.healthyAfterMs, () => this.backoff.reset());
    }
    this.setState('connected');
    this.hooks.opened(link, { rotated });
    if (rotated) void this.drain(previous);
  }

  private armLinkTimers(link: Link): void {
    this.schedulePing(link);
    this.ageTimer.start(this.options.maxConnectionAgeMs, () => this.rotate());
  }

  private schedulePing(link: Link): void {
    this.pingTimer.start(this.options.pingIntervalMs, () => {
      if (link !== this.active) return;
      this.verify(link).then(() => {
        if (link === this.active) this.schedulePing(link);
      });
    });
  }

  /** Pings the link; kills it when the ping fails for lack of an answer. */
  private async verify(link: Link): Promise<void> {
    try {
      await this.hooks.ping(link);
    } catch (error) {
      if (link.state === 'closed') return;
      const code = error instanceof ImError ? error.code : 'INTERNAL';
      if (code === 'TIMEOUT' || code === 'DISCONNECTED') this.kill(link, `ping failed: ${code}`);
    }
  }

  /** Make before break: open a fresh connection; the old one drains once the new one is open. */
  private rotate(): void {
    if (this.stopped || this.rotating || !this.active) return;
    void this.openLink('rotate');
  }

  private async drain(link: Link): Promise<void> {
    const timer = new Timer(this.options.timers);
    await new Promise<void>((resolve) => {
      timer.start(this.options.drainTimeoutMs, resolve);
      void this.hooks.whenIdle(link).then(resolve);
    });
    timer.cancel();
    if (link.state !== 'closed') this.kill(link, 'replaced by a newer connection');
  }

  private linkClosed(link: Link, error: ImError): void {
    if (link.state === 'closed') return;
    link.state = 'closed';
    this.links.delete(link);
    this.connectTimers.get(link)?.cancel();
    this.connectTimers.delete(link);
    this.hooks.closed(link);

    if (link === this.active) {
      this.active = undefined;
      this.pingTimer.cancel();
      this.ageTimer.cancel();
      this.healthyTimer.cancel();
      this.lastError = error;
      if (this.stopped) return;
      if (this.rotating) {
        // The replacement being opened becomes the reconnect attempt.
        this.opening = this.rotating;
        this.rotating = undefined;
        this.opening.purpose = 'connect';
        this.connecting = true;
        this.setState('connecting');
        return;
      }
      this.scheduleReconnect();
    } else if (link === this.opening) {
      this.opening = undefined;
      this.connecting = false;
      const refused = handshakeStatus(link.lastError);
      const failure = refused !== undefined ? new ImError(refused === 401 ? 'UNAUTHORIZED' : refused === 403 ? 'FORBIDDEN' : 'DISCONNECTED', `handshake refused with HTTP ${refused}`) : error;
      if (refused !== undefined) this.hooks.error(failure);
      this.attemptFailed('connect', failure);
    } else if (link === this.rotating) {
      this.rotating = undefined;
      this.attemptFailed('rotate', error);
    }
  }

  private attemptFailed(purpose: 'connect' | 'rotate', error: ImError): void {
    if (this.stopped) return;
    if (purpose === 'rotate') {
      // Keep the current connection; try again later. If it reaches its limit first, the
      // server closes it and the normal reconnect takes over.
      if (this.active) this.ageTimer.start(this.rotationBackoff.next() + this.options.reconnect.baseDelayMs, () => this.rotate());
      return;
    }
    this.connecting = false;
    this.lastError = error;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    if (this.offline) {
      this.setState('offline');
      return;
    }
    const delayMs = this.backoff.next();
    this.setState('reconnecting', { attempt: this.backoff.attempts, delayMs });
    this.retryTimer.start(delayMs, () => void this.openLink('connect'));
  }

  private wentOffline(): void {
    if (this.offline) return;
    this.offline = true;
    if (this.stopped) return;
    if (this.retryTimer.active || this.current === 'reconnecting') {
      this.retryTimer.cancel();
      this.setState('offline');
    }
  }

  private wentOnline(): void {
    if (!this.offline) return;
    this.offline = false;
    if (this.stopped) return;
    if (this.active) {
      // The connection may have died while offline: check it now rather than at the next ping.
      void this.verify(this.active);
      return;
    }
    this.backoff.reset();
    this.connectNow();
  }

  private setState(state: ConnectionState, extra: { attempt?: number; delayMs?: number } = {}): void {
    const previous = this.current;
    if (previous === state && state !== 'reconnecting') return;
    this.current = state;
    const change: ConnectionStateChange = { state, previous, ...extra };
    if (this.lastError && state !== 'connected') change.error = this.lastError;
    this.hooks.stateChanged(change);
  }
}

/** The HTTP status of a refused handshake, when the implementation tells (the `ws` package does). */
function handshakeStatus(event: unknown): number | undefined {
  const text = describeSocketError(event);
  const match = text ? /Unexpected server response: (\d{3})/.exec(text) : null;
  return match ? Number(match[1]) : undefined;
}

function describeSocketError(event: unknown): string | undefined {
  if (!event || typeof event !== 'object') return undefined;
  const record = event as { message?: unknown; error?: { message?: unknown } };
  if (typeof record.message === 'string') return record.message;
  if (record.error && typeof record.error.message === 'string') return record.error.message;
  return undefined;
}
