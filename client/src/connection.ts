import { Backoff, type BackoffOptions } from './backoff.js';
import {
  type AttemptOutcome,
  type ClosingSignal,
  type ConnectionEvent,
  type ConnectionFailure,
  type ConnectionState,
  type Effect,
  initialMachine,
  type Machine,
  type MachineEnv,
  step,
} from './connection-machine.js';
import { ImError } from './errors.js';
import { Link } from './link.js';
import type { NetworkMonitor } from './network.js';
import { Timer, type Timers } from './timers.js';
import { tokenExpiryMs } from './token.js';
import { observeHandshakeRefusal, type WebSocketConstructor } from './websocket.js';

export type { ClosingSignal, ConnectionFailure, ConnectionState } from './connection-machine.js';

export interface ConnectionStateChange {
  state: ConnectionState;
  previous: ConnectionState;
  /** `reconnecting`: the attempt about to be made (1 = first retry) and the delay before it. */
  attempt?: number;
  delayMs?: number;
  /** Why the last connection or attempt ended, when known. */
  error?: ImError;
  /** `failed`: why the SDK stopped trying. Call `start()` (e.g. after signing in again) to try again. */
  failure?: ConnectionFailure;
}

/** Returns a token for the next connection attempt; called again before every attempt. */
export type TokenProvider = () => string | Promise<string>;

export interface ReconnectOptions extends BackoffOptions {
  /** A connection that stays open this long resets the backoff to its first step, ms. */
  healthyAfterMs: number;
  /**
   * Handshake failures in a row blamed on the credentials (HTTP 401/403 where visible, or an
   * expired or malformed token) after which the connection goes to `failed` instead of retrying.
   */
  maxAuthFailures: number;
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
  /** Replace a connection this long before its token expires (the server closes it at `exp`). */
  tokenRefreshMarginMs: number;
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
 * Runs the connection state machine (connection-machine.ts): turns its effects into sockets,
 * timers and hook calls, and what sockets, timers and the network monitor report into events.
 * Holds no lifecycle state of its own beyond the machine, the live sockets and the timers.
 */
/** The soonest a link is replaced after it opened (see rotationDelay). */
const MIN_ROTATION_DELAY_MS = 30_000;

export class ConnectionManager {
  private machine: Machine = initialMachine();
  /** Every socket not yet closed by us or by its peer: opening, open, draining. */
  private readonly links = new Map<number, Link>();
  private readonly env: MachineEnv;
  private readonly backoff: Backoff;
  private readonly retryTimer: Timer;
  private readonly healthyTimer: Timer;
  private readonly pingTimer: Timer;
  private readonly ageTimer: Timer;
  private unsubscribeNetwork: (() => void) | undefined;
  /** Events raised while an event is being handled wait here: transitions never nest. */
  private readonly queue: ConnectionEvent[] = [];
  private dispatching = false;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly hooks: ConnectionHooks,
  ) {
    this.backoff = new Backoff(options.reconnect, options.random);
    this.env = {
      now: () => options.timers.now(),
      delay: (attempt) => this.backoff.delay(attempt),
      baseDelayMs: options.reconnect.baseDelayMs,
      maxAuthFailures: Math.max(1, options.reconnect.maxAuthFailures),
    };
    this.retryTimer = new Timer(options.timers);
    this.healthyTimer = new Timer(options.timers);
    this.pingTimer = new Timer(options.timers);
    this.ageTimer = new Timer(options.timers);
  }

  get state(): ConnectionState {
    return this.machine.phase.state;
  }

  /** Why the connection is `failed` (undefined in every other state). */
  get failure(): ConnectionFailure | undefined {
    return this.machine.phase.state === 'failed' ? this.machine.phase.failure : undefined;
  }

  /** The link requests go to, if there is a usable one. */
  get link(): Link | undefined {
    const phase = this.machine.phase;
    const link = phase.state === 'connected' ? this.links.get(phase.link) : undefined;
    return link?.usable ? link : undefined;
  }

  /** Starts connecting; from `failed` (or after `stop`) starts over with a fresh token. */
  start(): void {
    const network = this.options.network;
    if (network && !this.unsubscribeNetwork) {
      this.unsubscribeNetwork = network.subscribe((online) => this.dispatch({ type: online ? 'online' : 'offline' }));
    }
    this.dispatch({ type: 'start', online: network ? network.isOnline() : true });
  }

  stop(): void {
    this.dispatch({ type: 'stop' });
  }

  /** Drops the current connection (if any) and connects again now, without backoff; from `failed`, the same as `start()`. */
  reconnectNow(): void {
    if (this.state === 'failed') this.start();
    else this.dispatch({ type: 'reconnectNow' });
  }

  /** The server's `closing` event arrived on `link`. */
  serverClosing(link: Link, signal: ClosingSignal): void {
    this.dispatch({ type: 'closing', link: link.id, signal });
  }

  // ---- Events in --------------------------------------------------------------------------------

  private dispatch(event: ConnectionEvent): void {
    this.queue.push(event);
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) this.handle(next);
    } finally {
      this.dispatching = false;
    }
  }

  private handle(event: ConnectionEvent): void {
    const before = this.machine;
    const { machine, effects } = step(before, event, this.env);
    this.machine = machine;
    this.syncTimers(before);
    for (const effect of effects) this.run(effect);
    this.syncNetwork();
    this.announce(before.phase, machine);
  }

  /** A socket ended (closed, errored before open, or given up on): tells the machine once. */
  private ended(link: Link, outcome: AttemptOutcome): void {
    if (!this.links.has(link.id)) return;
    const wasOpen = link.state === 'open';
    this.dispose(link, outcome.error.message);
    this.dispatch(wasOpen ? { type: 'lost', link: link.id, error: outcome.error } : { type: 'attemptFailed', attempt: link.id, outcome });
  }

  // ---- Effects out ------------------------------------------------------------------------------

  private run(effect: Effect): void {
    switch (effect.type) {
      case 'fetchToken':
        void this.fetchToken(effect.attempt);
        break;
      case 'openSocket':
        this.openSocket(effect.attempt, effect.token);
        break;
      case 'activate':
        this.activate(effect.link, effect.rotated, effect.watchHealth);
        break;
      case 'drain': {
        const link = this.links.get(effect.link);
        if (link) void this.drain(link);
        break;
      }
      case 'close':
        if (effect.link === 'all') for (const link of [...this.links.values()]) this.dispose(link, effect.reason);
        else {
          const link = this.links.get(effect.link);
          if (link) this.dispose(link, effect.reason);
        }
        break;
      case 'armRetry':
        this.retryTimer.start(effect.delayMs, () => this.dispatch({ type: 'retryDue' }));
        break;
      case 'armRotation':
        this.ageTimer.start(effect.delayMs, () => this.dispatch({ type: 'rotateDue' }));
        break;
      case 'verify': {
        const link = this.links.get(effect.link);
        if (link) void this.verify(link);
        break;
      }
      case 'report':
        this.hooks.error(effect.error);
        break;
    }
  }

  private async fetchToken(attempt: number): Promise<void> {
    try {
      const token: unknown = await this.options.token();
      // Not a string (a provider bug, or signed out): sent as empty, refused, judged malformed.
      this.dispatch({ type: 'tokenReady', attempt, token: typeof token === 'string' ? token : '' });
    } catch (error) {
      const message = `token provider failed: ${error instanceof Error ? error.message : String(error)}`;
      this.dispatch({ type: 'tokenFailed', attempt, error: new ImError('UNAUTHORIZED', message, { reason: 'tokenProviderFailed', cause: error }) });
    }
  }

  private openSocket(attempt: number, token: string): void {
    let link: Link;
    try {
      link = new Link(attempt, new this.options.WebSocket(this.urlWith(token)));
    } catch (cause) {
      const error = new ImError('DISCONNECTED', `cannot open a WebSocket: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
      this.hooks.error(error);
      this.dispatch({ type: 'attemptFailed', attempt, outcome: { error } });
      return;
    }
    link.tokenExpiresAt = tokenExpiryMs(token);
    this.links.set(link.id, link);
    link.connectTimer = new Timer(this.options.timers);
    link.connectTimer.start(this.options.connectTimeoutMs, () =>
      this.ended(link, { timedOut: true, error: new ImError('DISCONNECTED', `no connection within ${this.options.connectTimeoutMs} ms`) }),
    );

    const socket = link.socket;
    observeHandshakeRefusal(socket, (status) => (link.handshakeStatus = status));
    socket.onopen = () => {
      if (!this.links.has(link.id)) return;
      link.connectTimer?.cancel();
      link.state = 'open';
      link.openedAt = this.options.timers.now();
      this.dispatch({ type: 'opened', attempt: link.id });
    };
    socket.onmessage = (event: { data?: unknown }) => {
      link.receivedAt = this.options.timers.now();
      if (this.links.has(link.id) && typeof event?.data === 'string') this.hooks.frame(link, event.data);
    };
    socket.onerror = () => {
      // Some implementations report a failed handshake with `error` only: treat it as the end.
      // Its text is never read: what it says differs by platform, and browsers say nothing.
      if (link.state === 'opening') this.ended(link, this.failureOf(link, 'connection failed'));
    };
    socket.onclose = (event: { code?: number; reason?: string }) => {
      const detail = [event?.code, event?.reason].filter((part) => part !== undefined && part !== '').join(' ');
      this.ended(link, this.failureOf(link, `connection closed${detail ? ` (${detail})` : ''}`));
    };
  }

  private failureOf(link: Link, message: string): AttemptOutcome {
    const status = link.handshakeStatus;
    if (status === undefined) return { error: new ImError('DISCONNECTED', message) };
    return { status, error: new ImError('DISCONNECTED', `handshake refused with HTTP ${status}`) };
  }

  private urlWith(token: string): string {
    // Plain string building: React Native's URL has no working searchParams.
    const { url, deviceId } = this.options;
    let result = `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
    if (deviceId !== undefined) result += `&device=${encodeURIComponent(deviceId)}`;
    return result;
  }

  private activate(id: number, rotated: boolean, watchHealth: boolean): void {
    const link = this.links.get(id);
    if (!link) return;
    this.schedulePing(link);
    this.ageTimer.start(this.rotationDelay(link), () => this.dispatch({ type: 'rotateDue' }));
    if (watchHealth) this.healthyTimer.start(this.options.reconnect.healthyAfterMs, () => this.dispatch({ type: 'healthy', link: id }));
    this.hooks.opened(link, { rotated });
  }

  /**
   * When to replace a link by a fresh one (make before break): at `maxConnectionAgeMs`, or
   * `tokenRefreshMarginMs` before its token expires if that comes first, so the server's
   * `closing` `tokenExpired` is a fallback the app rarely meets. Never sooner than 30 s: a token
   * provider that hands out the same nearly expired token must not make the SDK reconnect in a loop.
   */
  private rotationDelay(link: Link): number {
    const byAge = this.options.maxConnectionAgeMs;
    if (link.tokenExpiresAt === undefined) return byAge;
    const byToken = link.tokenExpiresAt - this.options.tokenRefreshMarginMs - this.options.timers.now();
    return Math.min(byAge, Math.max(MIN_ROTATION_DELAY_MS, byToken));
  }

  private schedulePing(link: Link): void {
    this.pingTimer.start(this.options.pingIntervalMs, () => {
      void this.verify(link).then(() => {
        if (this.isActive(link)) this.schedulePing(link);
      });
    });
  }

  /** Pings the link; ends it when the ping fails for lack of an answer. */
  private async verify(link: Link): Promise<void> {
    try {
      await this.hooks.ping(link);
    } catch (error) {
      const code = error instanceof ImError ? error.code : 'INTERNAL';
      // Presumed dead: end it as if it had closed.
      if (code === 'TIMEOUT' || code === 'DISCONNECTED') this.ended(link, { error: new ImError('DISCONNECTED', `ping failed: ${code}`) });
    }
  }

  private async drain(link: Link): Promise<void> {
    link.draining = true;
    const timer = new Timer(this.options.timers);
    link.drainTimer = timer;
    await new Promise<void>((resolve) => {
      timer.start(this.options.drainTimeoutMs, resolve);
      void this.hooks.whenIdle(link).then(resolve);
    });
    timer.cancel();
    if (this.links.has(link.id)) this.dispose(link, 'replaced by a newer connection');
  }

  /** Closes a socket without telling the machine (it already knows, or asked for it). */
  private dispose(link: Link, reason: string): void {
    if (!this.links.delete(link.id)) return;
    link.state = 'closed';
    link.connectTimer?.cancel();
    link.drainTimer?.cancel();
    const socket = link.socket;
    socket.onopen = socket.onmessage = socket.onclose = null;
    // Keep an error listener: `ws` emits `error` when a socket still connecting is closed, and an
    // EventEmitter error without a listener would crash a Node process.
    socket.onerror = () => undefined;
    try {
      socket.close(NORMAL_CLOSURE, reason.slice(0, 120));
    } catch {
      // Closing a socket that never opened may throw in some implementations; it is gone anyway.
    }
    this.hooks.closed(link);
  }

  private isActive(link: Link): boolean {
    const phase = this.machine.phase;
    return phase.state === 'connected' && phase.link === link.id;
  }

  /** Timers that belong to a state stop when it is left: the retry timer to `reconnecting`, the link timers to one connected link. */
  private syncTimers(before: Machine): void {
    const phase = this.machine.phase;
    if (phase.state !== 'reconnecting') this.retryTimer.cancel();
    const was = before.phase.state === 'connected' ? before.phase.link : undefined;
    const now = phase.state === 'connected' ? phase.link : undefined;
    if (was !== undefined && was !== now) {
      this.pingTimer.cancel();
      this.ageTimer.cancel();
      this.healthyTimer.cancel();
    }
  }

  /** The network monitor is watched while the connection is meant to run. */
  private syncNetwork(): void {
    const state = this.machine.phase.state;
    if ((state === 'idle' || state === 'closed' || state === 'failed') && this.unsubscribeNetwork) {
      this.unsubscribeNetwork();
      this.unsubscribeNetwork = undefined;
    }
  }

  private announce(before: Machine['phase'], machine: Machine): void {
    const phase = machine.phase;
    if (phase === before || phase.state === before.state) return;
    const change: ConnectionStateChange = { state: phase.state, previous: before.state };
    if (phase.state === 'reconnecting') {
      change.attempt = phase.retry;
      change.delayMs = phase.delayMs;
    }
    if (phase.state === 'failed') change.failure = phase.failure;
    if (machine.lastError && phase.state !== 'connected') change.error = machine.lastError;
    this.hooks.stateChanged(change);
  }
}
