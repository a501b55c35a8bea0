import type { UploadRetryOptions } from './attachments.js';
import type { AppStateSource } from './app-state.js';
import type { ReconnectOptions, TokenProvider } from './connection.js';
import type { NetworkMonitor } from './network.js';
import type { OutboxRetryOptions } from './outbox.js';
import type { WhenDisconnected } from './requests.js';
import type { StorageAdapter } from './storage.js';
import type { Timers } from './timers.js';
import type { UploadTransport } from './upload-transport.js';
import type { WebSocketConstructor } from './websocket.js';

export interface ImClientOptions {
  /** The WebSocket endpoint, e.g. `wss://abc.execute-api.eu-west-1.amazonaws.com/prod` or `ws://localhost:3000`. */
  url: string;
  /** The signed-in user (the token's `sub`): tells own messages from others'. */
  userId: string;
  /** Returns a JWT for the next connection; called before every (re)connect, so it may refresh. */
  token: TokenProvider;
  /** This device (1-64 chars of [A-Za-z0-9_-]); the server's default is `default`. */
  deviceId?: string;
  /** The WebSocket class; default `globalThis.WebSocket` (browsers, React Native, Node 22+). In Node 20 pass `ws`. */
  WebSocket?: WebSocketConstructor;
  /** Where lastSeq, the outbox, large-group cursors and the message cache live. Default: memory. */
  storage?: StorageAdapter;
  /** Prefix of every storage key. Default `im:<userId>:`. */
  storageKeyPrefix?: string;
  /** Clock and timers (tests). Default: the host's. */
  timers?: Timers;
  /** Random numbers in [0, 1) for backoff jitter (tests). Default Math.random. */
  random?: () => number;
  /** Generates clientMsgIds and request ids. Default: 22 random chars of [A-Za-z0-9]. */
  generateId?: () => string;
  /** Online/offline signal. Default: the browser's `online`/`offline` events where they exist; `false` disables. */
  network?: NetworkMonitor | false;
  /**
   * Reconnect backoff (full jitter): defaults base 1 s, max 30 s, reset after 10 s of healthy
   * connection; `failed` after 3 handshake failures in a row blamed on the credentials.
   */
  reconnect?: Partial<ReconnectOptions>;
  /** Give up on a connection attempt not open after this long. Default 15 s. */
  connectTimeoutMs?: number;
  /**
   * Keep-alive interval, below API Gateway's 10-minute idle timeout. Each tick is a one-way
   * `keepAlive` (one WebSocket message, answered by nobody), or a `heartbeat` (answered by API
   * Gateway, two messages) when nothing arrived for `probeSilenceMs`; neither runs a Lambda or
   * writes anything. Default 8 min: a hidden browser tab may run timers up to a minute late.
   */
  pingIntervalMs?: number;
  /** A heartbeat (or ping) unanswered this long marks the connection dead. Default 15 s. */
  pingTimeoutMs?: number;
  /**
   * A connection that received nothing for this long is asked to answer (a `heartbeat`) at the
   * next tick: it bounds how long a half-open connection (frames lost, no close seen) goes
   * unnoticed when the device's network stack does not notice it first. Default 16 min: every
   * other tick of a silent connection.
   */
  probeSilenceMs?: number;
  /**
   * Servers without the `keepAlive` route only (before it existed): how often a keep-alive tick is
   * a `ping`, which refreshes those servers' connection record (it lasted 30 min). Default 24 min.
   */
  connectionRefreshMs?: number;
  /** False: every keep-alive tick is a `ping` (the v1 behaviour). Default true. */
  heartbeat?: boolean;
  /** False: no one-way `keepAlive`; heartbeats, and a ping every `connectionRefreshMs`. Default true. */
  oneWayKeepAlive?: boolean;
  /** Replace a connection this old by a fresh one (API Gateway ends them at 2 h). Default 110 min. */
  maxConnectionAgeMs?: number;
  /**
   * Replace a connection (make before break, with a fresh token from `token`) this long before the
   * token it connected with expires: the server closes a connection once its token expires
   * (`closing` `tokenExpired`, then a reconnect). Default 60 s.
   */
  tokenRefreshMarginMs?: number;
  /** Default bound of a request, call to reply. Default 15 s. */
  requestTimeoutMs?: number;
  /** Requests made while disconnected: `wait` (default, within their timeout) or `fail` at once. The outbox always waits. */
  whenDisconnected?: WhenDisconnected;
  /** Outbox retries: defaults base 500 ms, max 30 s, 20 s per attempt, 20 CONFLICT-in-progress retries. */
  sendRetry?: Partial<OutboxRetryOptions>;
  /** `sync` / `syncConversation` page size (1-200). Default 100. */
  syncPageSize?: number;
  /** Wait after a sync page that made no progress: base 250 ms doubling to 5 s. */
  syncStallDelay?: { baseMs: number; maxMs: number };
  /** Messages cached per conversation. Default 100; 0 disables the cache. */
  messageCacheSize?: number;
  /** A typing indicator lasts this long without renewal. Default 5 s. */
  typingTtlMs?: number;
  /** At most one own `typing` signal per conversation per this interval. Default 3 s. */
  typingThrottleMs?: number;
  /** Load the conversation list after every (re)connect. Default true. */
  autoLoadConversations?: boolean;
  /**
   * Page size of the conversation list (1-100, `conversations` `limit`): the first page on connect,
   * then `loadMoreConversations()`. Default: no limit on the first page (the server answers as many
   * as fit in one reply: all of them for most users, and what a v1 server answers), 50 per later page.
   */
  conversationPageSize?: number;
  /** Messages fetched for a large group seen for the first time. Default 50. */
  largeGroupBackfill?: number;
  /** How attachment bytes go to S3. Default: XMLHttpRequest (with progress) where it exists, else fetch. */
  uploadTransport?: UploadTransport;
  /** Attachment uploads: defaults 5 attempts, backoff base 1 s, max 30 s, 10 minutes per upload. */
  uploadRetry?: Partial<UploadRetryOptions>;
  /**
   * React Native's `AppState`: in the background the connection closes after `backgroundGraceMs`
   * (push notifications take over); in the foreground the client reconnects and syncs at once.
   */
  appState?: AppStateSource;
  /** How long the connection stays open in the background. Default 5 s. */
  backgroundGraceMs?: number;
  /** Pushed messages are acknowledged (`delivered`) after gathering them this long, one request per conversation. Default 300 ms. */
  deliveredAckDelayMs?: number;
}

export const DEFAULTS = {
  reconnect: { baseDelayMs: 1_000, maxDelayMs: 30_000, healthyAfterMs: 10_000, maxAuthFailures: 3 },
  connectTimeoutMs: 15_000,
  pingIntervalMs: 8 * 60_000,
  pingTimeoutMs: 15_000,
  probeSilenceMs: 16 * 60_000,
  connectionRefreshMs: 24 * 60_000,
  maxConnectionAgeMs: 110 * 60_000,
  tokenRefreshMarginMs: 60_000,
  requestTimeoutMs: 15_000,
  whenDisconnected: 'wait' as WhenDisconnected,
  sendRetry: { baseDelayMs: 500, maxDelayMs: 30_000, timeoutMs: 20_000, maxConflictRetries: 20 },
  syncPageSize: 100,
  syncStallDelay: { baseMs: 250, maxMs: 5_000 },
  messageCacheSize: 100,
  typingTtlMs: 5_000,
  typingThrottleMs: 3_000,
  autoLoadConversations: true,
  largeGroupBackfill: 50,
  uploadRetry: { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 30_000, timeoutMs: 10 * 60_000 },
  backgroundGraceMs: 5_000,
  deliveredAckDelayMs: 300,
};
