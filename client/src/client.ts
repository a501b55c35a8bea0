import { type AttachmentData, type AttachmentDestination, AttachmentSender, type SendAttachmentOptions, type UploadEntry } from './attachments.js';
import { AppLifecycle } from './app-state.js';
import { type ChangeEntry, ChangeQueue, type ChangeReply, type MessageChangeRequest } from './change-queue.js';
import { type ConnectionFailure, ConnectionManager, type ConnectionState, type ConnectionStateChange } from './connection.js';
import { ConversationStore, type ConversationState } from './conversations.js';
import { Emitter, type Listener } from './emitter.js';
import { DeliveryAcks } from './delivery-acks.js';
import { ImError } from './errors.js';
import { host } from './host.js';
import { randomId } from './ids.js';
import { LargeGroups } from './large-groups.js';
import type { Link } from './link.js';
import { MessageCache } from './message-cache.js';
import { MessageStates } from './message-states.js';
import { type MessageStatus, storedMessageStatus } from './message-status.js';
import { browserNetworkMonitor } from './network.js';
import { DEFAULTS, type ImClientOptions } from './options.js';

/** Later pages of the conversation list, when `conversationPageSize` is not set. */
const DEFAULT_CONVERSATION_PAGE = 50;
import { Outbox, type OutboxEntry, type SendInput } from './outbox.js';
import { PersistedValue } from './persisted-value.js';
import { PresenceStore } from './presence.js';
import {
  type ActionMap,
  type ActionName,
  type Body,
  type CreateGroupResult,
  type DeletedForMe,
  type ConversationSummary,
  type DeleteForMeResult,
  type DeliveredEvent,
  type EventFrame,
  type HistoryResult,
  isMessageItem,
  type MembersChangedResult,
  type Message,
  type MuteResult,
  type PushPlatform,
  type MessageChangeResult,
  type MessageItem,
  parseFrame,
  type PresenceEvent,
  type PresenceInfo,
  type ReadEvent,
  type ReadReceiptsResult,
  type ReadResult,
  type ReportReason,
  type SendResult,
  type SyncConversationResult,
  type TimelineItem,
} from './protocol.js';
import { RecentSet } from './recent-set.js';
import { RequestManager, type RequestOptions } from './requests.js';
import { MemoryStorage, type JsonValue, type StorageAdapter } from './storage.js';
import { Timeline } from './timeline.js';
import { defaultTimers, Sleeper, Timer, type Timers } from './timers.js';
import { KeepAlive } from './keep-alive.js';
import { TypingTracker } from './typing.js';
import { defaultUploadTransport } from './upload-transport.js';

/** Every event an {@link ImClient} emits, and its payload. */
export interface ImClientEvents {
  /**
   * The connection changed state. `failed` is terminal: the SDK stopped trying (`failure` says
   * why, e.g. the token keeps being refused); sign in again, then call `start()`.
   */
  connectionState: ConnectionStateChange;
  /** A message of the user's timeline, exactly once and in seq order (own sent messages included). */
  message: MessageItem;
  /** Every timeline item applied except `void` ones (messages, membership changes, ...). */
  timelineItem: TimelineItem;
  /** A large-group message, exactly once and in conversationSeq order per group. */
  groupMessage: Message;
  /** A member read up to `upTo` (this user on another device, or a read receipt). */
  read: ReadEvent;
  /** A device of another member received a conversation up to `upTo` (a delivered receipt for this user's messages). */
  delivered: DeliveredEvent;
  /**
   * A message changed (edited, recalled, reacted to): its new state, once per change, only when it
   * is newer than what was seen (by `version`), whether it came as an `update` item, a
   * `groupUpdate` event, a `syncConversation` change or the reply to this client's own change.
   */
  messageUpdated: { message: Message };
  /** Messages this user hid with `deleteForMe` (on this device or another): stop showing them. */
  messagesDeleted: DeletedForMe;
  /** The status of one of this user's own messages changed (see `messageStatus`). */
  messageStatus: { clientMsgId: string; conversationId?: string; conversationSeq?: number; status: MessageStatus };
  /** The queue of message changes (edit, recall, react, deleteForMe) changed. */
  changes: ChangeEntry[];
  /** A queued change failed permanently (e.g. FORBIDDEN `editWindowClosed`) and left the queue. */
  changeFailed: { entry: ChangeEntry; error: ImError };
  /** Who is typing in a conversation changed (an indicator lasts `typingTtlMs`). */
  typing: { conversationId: string; userIds: string[] };
  presence: PresenceEvent;
  /** The conversation list (unread, readUpTo, lastMessage, receipts) changed. */
  conversationsChanged: ConversationState[];
  /** The users this user blocks changed (a `block` or `unblock` here, or the list as loaded with the conversations). */
  blockedChanged: string[];
  /** The outbox changed (queued, sending, retrying, removed). */
  outbox: OutboxEntry[];
  /** An outbox message was acknowledged; also for messages queued before a reload. */
  sent: { clientMsgId: string; reply: SendResult; message: Message };
  /** An outbox message failed permanently and left the outbox. */
  sendFailed: { clientMsgId: string; entry: OutboxEntry; error: ImError };
  /** The attachments on their way changed (uploading, sending, failed, gone). */
  uploads: UploadEntry[];
  /** Bytes of an attachment uploaded so far. */
  uploadProgress: { clientMsgId: string; loaded: number; total: number };
  /** A sync finished with nothing more to fetch. */
  synced: { lastSeq: number };
  /** Every server event as received, including ones this SDK does not know. */
  serverEvent: EventFrame;
  /** Something went wrong that the client handles by itself (reported for logging). */
  error: Error;
}

/**
 * A client of the serverless-im protocol v1. See README.md.
 *
 * ```ts
 * const client = new ImClient({ url, userId, token: () => fetchToken(), WebSocket });
 * client.on('message', ({ message }) => render(message));
 * await client.start();
 * await client.send({ to: 'bob', body: { kind: 'text', text: 'hi' } });
 * ```
 */
export class ImClient {
  readonly userId: string;
  private readonly emitter: Emitter<ImClientEvents>;
  private readonly timers: Timers;
  private readonly store: StorageAdapter;
  private readonly sleeper: Sleeper;
  private readonly requests: RequestManager;
  private readonly connection: ConnectionManager;
  private readonly timeline: Timeline;
  private readonly largeGroups: LargeGroups;
  private readonly outboxQueue: Outbox;
  private readonly attachments: AttachmentSender;
  private readonly changeQueue: ChangeQueue;
  private readonly messageStates: MessageStates;
  private readonly deliveryAcks: DeliveryAcks;
  /** Own messages: where each clientMsgId ended up (sent) or why it failed, for `messageStatus`. */
  private readonly ownMessages = new Map<string, { conversationId: string; conversationSeq: number } | { failed: string }>();
  private readonly outboxStates = new Map<string, MessageStatus['state']>();
  private readonly conversationStore: ConversationStore;
  private readonly cache: MessageCache;
  private readonly typingTracker: TypingTracker;
  private readonly keepAlive: KeepAlive;
  private readonly presenceStore: PresenceStore;
  private readonly persisted: PersistedValue<JsonValue>[] = [];
  private readonly refreshTimer: Timer;
  private readonly lifecycle: AppLifecycle | undefined;
  /** Messages already emitted: one can reach us both in the timeline and as a large-group message. */
  private readonly emitted = new RecentSet(5_000);
  private readonly connectedWaiters: { resolve: () => void; reject: (error: ImError) => void }[] = [];
  private readonly settings: Required<Pick<ImClientOptions, 'autoLoadConversations' | 'pingTimeoutMs' | 'requestTimeoutMs'>> & Pick<ImClientOptions, 'conversationPageSize'>;
  private loading: Promise<void> | undefined;
  private refreshing: Promise<unknown> | undefined;
  private refreshAgain = false;
  private running = false;
  /** The users this user blocks, as the last `conversations` reply or block/unblock here left it. */
  private blockedUsers: ReadonlySet<string> = new Set();

  constructor(options: ImClientOptions) {
    if (!options.url) throw new TypeError('ImClient: options.url is required');
    if (!options.userId) throw new TypeError('ImClient: options.userId is required');
    if (typeof options.token !== 'function') throw new TypeError('ImClient: options.token must be a function returning a token');
    const WebSocket = options.WebSocket ?? host().WebSocket;
    if (!WebSocket) throw new TypeError('ImClient: no WebSocket in this environment; pass options.WebSocket (in Node: the `ws` package)');

    this.userId = options.userId;
    this.timers = options.timers ?? defaultTimers;
    this.store = options.storage ?? new MemoryStorage();
    this.sleeper = new Sleeper(this.timers);
    this.refreshTimer = new Timer(this.timers);
    const random = options.random ?? Math.random;
    const generateId = options.generateId ?? (() => randomId());
    const prefix = options.storageKeyPrefix ?? `im:${options.userId}:`;
    const reportError = (error: unknown): void => this.reportError(error);
    this.settings = {
      autoLoadConversations: options.autoLoadConversations ?? DEFAULTS.autoLoadConversations,
      pingTimeoutMs: options.pingTimeoutMs ?? DEFAULTS.pingTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
      ...(options.conversationPageSize !== undefined ? { conversationPageSize: options.conversationPageSize } : {}),
    };
    this.emitter = new Emitter<ImClientEvents>((error, event) => {
      if (event !== 'error' && this.emitter.listenerCount('error') > 0) this.emitter.emit('error', asError(error));
      else host().console?.error?.('ImClient: a listener threw', error);
    });

    let requestCounter = 0;
    const requestPrefix = randomId(6);
    this.requests = new RequestManager({
      timers: this.timers,
      defaultTimeoutMs: this.settings.requestTimeoutMs,
      whenDisconnected: options.whenDisconnected ?? DEFAULTS.whenDisconnected,
      currentLink: () => this.connection.link,
      newRequestId: () => `${requestPrefix}-${++requestCounter}`,
    });

    const network = options.network === false ? undefined : (options.network ?? browserNetworkMonitor());
    this.keepAlive = new KeepAlive({
      probeSilenceMs: options.probeSilenceMs ?? DEFAULTS.probeSilenceMs,
      refreshEveryMs: options.connectionRefreshMs ?? DEFAULTS.connectionRefreshMs,
      timeoutMs: this.settings.pingTimeoutMs,
      heartbeat: options.heartbeat ?? true,
      oneWay: options.oneWayKeepAlive ?? true,
      timers: this.timers,
      ping: async () => {
        await this.call('ping', {}, { whenDisconnected: 'fail', timeoutMs: this.settings.pingTimeoutMs });
      },
    });
    this.connection = new ConnectionManager(
      {
        url: options.url,
        token: options.token,
        deviceId: options.deviceId,
        WebSocket,
        timers: this.timers,
        random,
        reconnect: { ...DEFAULTS.reconnect, ...options.reconnect },
        connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
        pingIntervalMs: options.pingIntervalMs ?? DEFAULTS.pingIntervalMs,
        maxConnectionAgeMs: options.maxConnectionAgeMs ?? DEFAULTS.maxConnectionAgeMs,
        tokenRefreshMarginMs: options.tokenRefreshMarginMs ?? DEFAULTS.tokenRefreshMarginMs,
        drainTimeoutMs: this.settings.requestTimeoutMs,
        network,
      },
      {
        frame: (link, text) => this.onFrame(link, text),
        opened: () => this.onConnected(),
        closed: (link) => this.requests.linkClosed(link),
        ping: (link) => this.keepAlive.check(link),
        whenIdle: (link) => this.requests.whenIdle(link),
        stateChanged: (change) => this.onStateChanged(change),
        error: reportError,
      },
    );

    const persisted = <T extends JsonValue>(key: string): PersistedValue<T> => {
      const value = new PersistedValue<T>(this.store, prefix + key, reportError);
      this.persisted.push(value as unknown as PersistedValue<JsonValue>);
      return value;
    };
    const connected = (): boolean => this.connection.link !== undefined;
    const pageSize = options.syncPageSize ?? DEFAULTS.syncPageSize;
    const stallDelay = options.syncStallDelay ?? DEFAULTS.syncStallDelay;

    this.conversationStore = new ConversationStore(this.userId, (list) => this.emitter.emit('conversationsChanged', list));
    this.cache = new MessageCache(this.store, (conversationId) => `${prefix}messages:${conversationId}`, options.messageCacheSize ?? DEFAULTS.messageCacheSize, reportError);
    this.typingTracker = new TypingTracker(
      this.timers,
      options.typingTtlMs ?? DEFAULTS.typingTtlMs,
      options.typingThrottleMs ?? DEFAULTS.typingThrottleMs,
      (conversationId, userIds) => this.emitter.emit('typing', { conversationId, userIds }),
    );
    this.presenceStore = new PresenceStore(() => this.timers.now());

    this.timeline = new Timeline({
      lastSeq: persisted<number>('lastSeq'),
      sync: (after, limit) => this.call('sync', { after, limit }, { whenDisconnected: 'fail' }),
      connected,
      sleeper: this.sleeper,
      pageSize,
      stallDelay,
      apply: (item) => this.applyTimelineItem(item),
      caughtUp: (lastSeq) => this.emitter.emit('synced', { lastSeq }),
      error: reportError,
    });

    this.messageStates = new MessageStates(persisted<Record<string, number[]>>('hidden'));
    this.deliveryAcks = new DeliveryAcks({
      timers: this.timers,
      delayMs: options.deliveredAckDelayMs ?? DEFAULTS.deliveredAckDelayMs,
      send: (conversationId, upTo) => this.call('delivered', { conversationId, upTo }, { whenDisconnected: 'fail' }),
      connected,
      error: reportError,
    });

    this.largeGroups = new LargeGroups({
      cursors: persisted<Record<string, number>>('groupCursors'),
      changeCursors: persisted<Record<string, number>>('groupChangeCursors'),
      syncConversation: (conversationId, after, limit, changesAfter) =>
        this.call('syncConversation', { conversationId, after, limit, ...(changesAfter === undefined ? {} : { changesAfter }) }, { whenDisconnected: 'fail' }),
      applyChange: (message) => this.applyUpdate(message),
      connected,
      sleeper: this.sleeper,
      pageSize,
      stallDelay,
      initialBackfill: options.largeGroupBackfill ?? DEFAULTS.largeGroupBackfill,
      apply: (message) => this.applyGroupMessage(message),
      error: reportError,
    });

    this.lifecycle = options.appState
      ? new AppLifecycle(options.appState, this.timers, options.backgroundGraceMs ?? DEFAULTS.backgroundGraceMs, {
          pause: () => this.connection.stop(),
          resume: () => this.resume(),
        })
      : undefined;

    const retry = { ...DEFAULTS.sendRetry, ...options.sendRetry };
    this.outboxQueue = new Outbox({
      entries: persisted<JsonValue[]>('outbox'),
      send: (entry, timeoutMs) =>
        this.call(
          'send',
          { clientMsgId: entry.clientMsgId, to: entry.to, conversationId: entry.conversationId, body: entry.body, replyTo: entry.replyTo, mentions: entry.mentions },
          { whenDisconnected: 'fail', timeoutMs },
        ),
      connected,
      sleeper: this.sleeper,
      random,
      now: () => this.timers.now(),
      retry,
      newClientMsgId: generateId,
      changed: (entries) => this.onOutboxChanged(entries),
      sent: (entry, reply) => this.onSent(entry, reply),
      failed: (entry, error) => {
        this.ownMessages.set(entry.clientMsgId, { failed: error.reason ? `${error.code} ${error.reason}` : error.code });
        this.emitter.emit('messageStatus', { clientMsgId: entry.clientMsgId, status: this.messageStatus({ clientMsgId: entry.clientMsgId })! });
        this.emitter.emit('sendFailed', { clientMsgId: entry.clientMsgId, entry, error });
      },
    });

    this.changeQueue = new ChangeQueue({
      entries: persisted<JsonValue[]>('changes'),
      send: (request, timeoutMs) => {
        const { action, ...params } = request;
        return this.call(action, params, { whenDisconnected: 'fail', timeoutMs }) as Promise<ChangeReply>;
      },
      connected,
      sleeper: this.sleeper,
      random,
      now: () => this.timers.now(),
      retry,
      newId: generateId,
      changed: (entries) => this.emitter.emit('changes', entries),
      done: (entry, reply) => this.onChangeDone(entry.request, reply),
      failed: (entry, error) => this.emitter.emit('changeFailed', { entry, error }),
    });
    this.attachments = new AttachmentSender({
      request: (action, params) => this.call(action, params),
      send: (input) => this.send(input),
      transport: options.uploadTransport ?? defaultUploadTransport,
      sleeper: this.sleeper,
      random,
      now: () => this.timers.now(),
      retry: { ...DEFAULTS.uploadRetry, ...options.uploadRetry },
      newClientMsgId: generateId,
      changed: (entries) => this.emitter.emit('uploads', entries),
      progress: (progress) => this.emitter.emit('uploadProgress', progress),
    });
  }

  // ---- Events -------------------------------------------------------------------------------

  on<K extends keyof ImClientEvents>(event: K, listener: Listener<ImClientEvents[K]>): () => void {
    return this.emitter.on(event, listener);
  }

  once<K extends keyof ImClientEvents>(event: K, listener: Listener<ImClientEvents[K]>): () => void {
    return this.emitter.once(event, listener);
  }

  off<K extends keyof ImClientEvents>(event: K, listener: Listener<ImClientEvents[K]>): void {
    this.emitter.off(event, listener);
  }

  // ---- Lifecycle ----------------------------------------------------------------------------

  /**
   * Loads the persisted state (lastSeq, outbox, large-group cursors) and starts connecting.
   * Resolves once the state is loaded, without waiting for the connection (see `whenConnected`).
   * After a reload, messages left in the outbox are resent with their clientMsgId.
   */
  async start(): Promise<void> {
    await this.load();
    if (this.running && this.connection.state !== 'failed') return;
    this.running = true;
    this.connection.start();
    this.lifecycle?.start();
  }

  /**
   * Closes the connection and stops every timer. Outstanding requests reject with DISCONNECTED,
   * and so do `send` promises; their messages stay in the (persisted) outbox and are resent on the
   * next `start`. Resolves once everything is written to the store. `start` may be called again.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.lifecycle?.stop();
    this.connection.stop();
    this.requests.rejectAll('the client stopped');
    this.outboxQueue.stop();
    this.changeQueue.stop();
    this.deliveryAcks.stop();
    this.timeline.stop();
    this.largeGroups.stop();
    this.sleeper.wakeAll();
    this.typingTracker.clear();
    this.refreshTimer.cancel();
    await this.flush();
  }

  /** Waits until everything changed so far is written to the store. */
  async flush(): Promise<void> {
    await Promise.all([...this.persisted.map((value) => value.flush()), this.cache.flush()]);
  }

  /** Drops the current connection, if any, and connects again at once. */
  reconnect(): void {
    this.connection.reconnectNow();
  }

  get connectionState(): ConnectionState {
    return this.connection.state;
  }

  /** Why the connection is `failed` (the terminal state); undefined in every other state. */
  get connectionFailure(): ConnectionFailure | undefined {
    return this.connection.failure;
  }

  /** True when a connection is open and takes requests. */
  get connected(): boolean {
    return this.connection.link !== undefined;
  }

  /** Resolves when a connection is open (at once if one is); rejects if the connection reaches `failed` first. */
  whenConnected(): Promise<void> {
    if (this.connected) return Promise.resolve();
    const failure = this.connection.failure;
    if (failure) return Promise.reject(failure.error);
    return new Promise((resolve, reject) => this.connectedWaiters.push({ resolve, reject }));
  }

  // ---- Requests -----------------------------------------------------------------------------

  /**
   * Any action, correlated by `id`. Rejects with {@link ImError}: the server's code, TIMEOUT (no
   * reply in time) or DISCONNECTED (not connected in time, or the connection closed first).
   * Prefer `send` for messages: it goes through the outbox.
   */
  request<A extends ActionName>(action: A, params: ActionMap[A]['params'], options?: RequestOptions): Promise<ActionMap[A]['result']>;
  request<T = unknown>(action: string, params?: Record<string, unknown>, options?: RequestOptions): Promise<T>;
  request(action: string, params: object = {}, options: RequestOptions = {}): Promise<unknown> {
    return this.requests.request(action, params, options);
  }

  ping(options?: RequestOptions): Promise<{ ts: number }> {
    return this.call('ping', {}, options);
  }

  // ---- Messages -----------------------------------------------------------------------------

  /**
   * Sends a message through the outbox: persisted first, transmitted in order once connected,
   * retried with the same clientMsgId until acknowledged. Resolves with the server's reply;
   * rejects on a permanent error (BAD_REQUEST, FORBIDDEN, NOT_FOUND, TOO_LARGE, CONFLICT for
   * another conversation), or with DISCONNECTED if the client is stopped first (the message then
   * stays in the outbox).
   */
  async send(input: SendInput): Promise<SendResult> {
    await this.load();
    return this.outboxQueue.add(input);
  }

  /**
   * Sends a photo, video, voice note or file: asks for an upload URL, uploads the bytes straight to
   * S3 (`uploadProgress` events; retried with backoff, a fresh URL when one expired), then sends the
   * message through the outbox. `to` is a conversation id or a user id (a direct message). Resolves
   * with the send reply. If the upload fails for good the message is never sent: it stays in
   * `uploads` as `failed` until `retryAttachment` or `discardAttachment`, and the promise rejects.
   */
  sendAttachment(to: AttachmentDestination, data: AttachmentData, options?: SendAttachmentOptions): Promise<SendResult> {
    return this.attachments.send(to, data, options);
  }

  /** Tries a failed attachment again (same clientMsgId). */
  retryAttachment(clientMsgId: string): Promise<SendResult> {
    return this.attachments.retry(clientMsgId);
  }

  /** Forgets a failed attachment; false when there is none with that id. */
  discardAttachment(clientMsgId: string): boolean {
    return this.attachments.discard(clientMsgId);
  }

  /** Attachments on their way (uploading, sending, failed), oldest first. */
  get uploads(): UploadEntry[] {
    return this.attachments.list();
  }

  /**
   * A short-lived URL for the attachment of a message (images, video and audio are served inline,
   * other files as downloads). Reused until shortly before it expires; members only.
   */
  downloadUrl(message: Pick<Message, 'conversationId' | 'conversationSeq' | 'body'>): Promise<string> {
    return this.attachments.downloadUrl(message);
  }

  /** Messages not yet acknowledged, oldest first. */
  get outbox(): OutboxEntry[] {
    return this.outboxQueue.list();
  }

  // ---- Changes of messages ------------------------------------------------------------------

  /**
   * Replaces the body of one of this user's messages (text and custom bodies, within the
   * deployment's edit window). Like every change it goes through a persisted queue: transmitted in
   * order once connected, retried until acknowledged (a retry applies once), kept across restarts.
   * Resolves with the message's new state (also emitted as `messageUpdated`).
   */
  async edit(conversationId: string, conversationSeq: number, body: Body): Promise<MessageChangeResult> {
    return (await this.queueChange({ action: 'edit', conversationId, conversationSeq, body })) as MessageChangeResult;
  }

  /** Takes a message back for everyone (the sender within the recall window, or a group's owner). */
  async recall(conversationId: string, conversationSeq: number): Promise<MessageChangeResult> {
    return (await this.queueChange({ action: 'recall', conversationId, conversationSeq })) as MessageChangeResult;
  }

  /** Adds (`on: true`) or removes this user's emoji reaction; adding twice is adding once. */
  async react(conversationId: string, conversationSeq: number, emoji: string, on = true): Promise<MessageChangeResult> {
    return (await this.queueChange({ action: 'react', conversationId, conversationSeq, emoji, on })) as MessageChangeResult;
  }

  /** Hides messages on all of this user's devices (nobody else sees a change); `messagesDeleted` tells every device. */
  async deleteForMe(conversationId: string, conversationSeqs: number[]): Promise<DeleteForMeResult> {
    this.applyDeleted({ conversationId, conversationSeqs });
    return (await this.queueChange({ action: 'deleteForMe', conversationId, conversationSeqs })) as DeleteForMeResult;
  }

  /** Changes not yet acknowledged, oldest first. */
  get pendingChanges(): ChangeEntry[] {
    return this.changeQueue.list();
  }

  /** True when this user hid the message (deleteForMe), on any device. */
  isHidden(conversationId: string, conversationSeq: number): boolean {
    return this.messageStates.isHidden(conversationId, conversationSeq);
  }

  /**
   * The status of one of this user's own messages, by its clientMsgId (from the moment it is
   * queued) or by its place in the conversation once stored: `queued -> sending -> sent ->
   * delivered -> read`, or `failed` with the server's reason. Undefined for a clientMsgId this
   * client does not know (e.g. sent from another device: ask by conversationSeq).
   */
  messageStatus(ref: { clientMsgId: string } | { conversationId: string; conversationSeq: number }): MessageStatus | undefined {
    if ('clientMsgId' in ref) {
      const queued = this.outboxStates.get(ref.clientMsgId);
      if (queued) return { state: queued };
      const own = this.ownMessages.get(ref.clientMsgId);
      if (!own) return undefined;
      if ('failed' in own) return { state: 'failed', reason: own.failed };
      return storedMessageStatus(this.conversationStore.get(own.conversationId), own.conversationSeq, this.userId);
    }
    return storedMessageStatus(this.conversationStore.get(ref.conversationId), ref.conversationSeq, this.userId);
  }

  /** The highest contiguous timeline seq applied. */
  get lastSeq(): number {
    return this.timeline.lastSeq;
  }

  /** Pulls the timeline from `lastSeq` until the server has nothing more (also runs after every connect and on gaps). */
  sync(): Promise<void> {
    return this.timeline.sync();
  }

  /** The latest cached messages of a conversation, oldest first. */
  cachedMessages(conversationId: string): Promise<Message[]> {
    return this.cache.get(conversationId);
  }

  history(conversationId: string, options: { before?: number; limit?: number } = {}): Promise<HistoryResult> {
    return this.call('history', { conversationId, before: options.before, limit: options.limit });
  }

  /** One page of a conversation after `after` (for large groups the client does this itself). */
  syncConversation(conversationId: string, after: number, limit?: number): Promise<SyncConversationResult> {
    return this.call('syncConversation', { conversationId, after, limit });
  }

  /** Highest contiguous conversationSeq held per large group. */
  largeGroupCursors(): Record<string, number> {
    return this.largeGroups.cursors();
  }

  // ---- Conversations ------------------------------------------------------------------------

  /**
   * Loads the conversation list from the server (also done after every connect by default): its
   * first page, newest activity first. Without the `conversationPageSize` option, as many as the
   * server puts in one reply (what a v1 server answers: all of them); `hasMoreConversations` then
   * says whether `loadMoreConversations()` has more to bring.
   */
  async loadConversations(): Promise<ConversationState[]> {
    const generation = this.conversationStore.beginSnapshot();
    const limit = this.settings.conversationPageSize;
    const result = await this.call('conversations', limit === undefined ? {} : { limit });
    this.conversationStore.applySnapshot(generation, result.items, result);
    // An older server sends no `blocked`: nobody is blocked there.
    this.setBlocked(result.blocked ?? []);
    this.noteLargeGroups(result.items);
    return this.conversationStore.list();
  }

  /** True while the server has conversations older than those loaded (`loadMoreConversations`). */
  get hasMoreConversations(): boolean {
    return this.conversationStore.nextCursor !== undefined;
  }

  /** Loads the next page of the conversation list (nothing when every conversation is loaded). */
  async loadMoreConversations(): Promise<ConversationState[]> {
    const cursor = this.conversationStore.nextCursor;
    if (cursor === undefined) return this.conversationStore.list();
    const result = await this.call('conversations', { limit: this.settings.conversationPageSize ?? DEFAULT_CONVERSATION_PAGE, cursor });
    // A reload meanwhile started the list over: this page belongs to the old listing.
    if (this.conversationStore.nextCursor !== cursor) return this.conversationStore.list();
    this.conversationStore.applyPage(result.items, result);
    this.noteLargeGroups(result.items);
    return this.conversationStore.list();
  }

  private noteLargeGroups(items: readonly ConversationSummary[]): void {
    for (const item of items) {
      if (item.large) void this.largeGroups.noteLatest(item.conversationId, item.latestSeq ?? item.lastMessage?.conversationSeq ?? 0);
    }
  }

  /** The conversation list as currently known, newest activity first. */
  get conversations(): ConversationState[] {
    return this.conversationStore.list();
  }

  conversation(conversationId: string): ConversationState | undefined {
    return this.conversationStore.get(conversationId);
  }

  get totalUnread(): number {
    return this.conversationStore.totalUnread;
  }

  /**
   * Marks a conversation read up to `upTo` (default: its last message) with the `read` action.
   * The local state updates at once; resolves with the server's counts.
   */
  async markRead(conversationId: string, upTo?: number): Promise<ReadResult> {
    const known = this.conversationStore.get(conversationId);
    const target = upTo ?? Math.max(known?.lastMessage?.conversationSeq ?? 0, known?.latestSeq ?? 0);
    if (target < 1) return { unread: known?.unread ?? 0, totalUnread: this.totalUnread };
    this.conversationStore.markRead(conversationId, target);
    const result = await this.call('read', { conversationId, upTo: target });
    this.conversationStore.applyServerTotal(result.totalUnread);
    this.refreshIfStale();
    return result;
  }

  // ---- Typing and presence ------------------------------------------------------------------

  /** Signals that this user is typing; throttled, and skipped while disconnected. */
  async typing(conversationId: string): Promise<void> {
    if (!this.connected || !this.typingTracker.shouldSend(conversationId)) return;
    await this.call('typing', { conversationId }, { whenDisconnected: 'fail' });
  }

  /** Users typing in a conversation now. */
  typingUsers(conversationId: string): string[] {
    return this.typingTracker.users(conversationId);
  }

  /** Asks who of `users` is online (1-100 users); also updates `presenceOf`. */
  async presence(users: string[]): Promise<Record<string, PresenceInfo>> {
    const result = await this.call('presence', { users });
    this.presenceStore.fromReply(result.users);
    return result.users;
  }

  /** Last known presence of a user (from `presence` replies and events). */
  presenceOf(userId: string): PresenceInfo | undefined {
    return this.presenceStore.get(userId);
  }

  // ---- Groups (request wrappers) ------------------------------------------------------------

  createGroup(title: string, members: string[]): Promise<CreateGroupResult> {
    return this.call('createGroup', { title, members });
  }

  /** Adds members; resolves with the member list (the added ones, for a large group) and the member count. */
  addMembers(conversationId: string, members: string[]): Promise<MembersChangedResult> {
    return this.call('addMembers', { conversationId, members });
  }

  /** Removes members (the owner only); resolves with the member list (the removed ones, for a large group) and the member count. */
  removeMembers(conversationId: string, members: string[]): Promise<MembersChangedResult> {
    return this.call('removeMembers', { conversationId, members });
  }

  leaveGroup(conversationId: string): Promise<ActionMap['leaveGroup']['result']> {
    return this.call('leaveGroup', { conversationId });
  }

  /** The owner makes a member an admin (`'admin'`) or an admin a member again (`'member'`). */
  async setRole(conversationId: string, userId: string, role: 'admin' | 'member'): Promise<ActionMap['setRole']['result']> {
    const result = await this.call('setRole', { conversationId, userId, role });
    this.refreshConversationsSoon();
    return result;
  }

  /** The owner hands the group to another member and becomes an admin. */
  async transferOwnership(conversationId: string, userId: string): Promise<ActionMap['transferOwnership']['result']> {
    const result = await this.call('transferOwnership', { conversationId, userId });
    this.refreshConversationsSoon();
    return result;
  }

  /** The owner or an admin changes the title and who may send and add (only the fields given). */
  async updateGroup(
    conversationId: string,
    settings: { title?: string; onlyAdminsSend?: boolean; onlyAdminsAdd?: boolean },
  ): Promise<ActionMap['updateGroup']['result']> {
    const result = await this.call('updateGroup', { conversationId, ...settings });
    this.refreshConversationsSoon();
    return result;
  }

  /**
   * Whether this user may send to the conversation as far as the client knows: false in a group
   * whose `onlyAdminsSend` is on for a plain member (the server would refuse with `onlyAdminsSend`).
   */
  maySend(conversationId: string): boolean {
    const state = this.conversationStore.get(conversationId);
    return !(state?.kind === 'group' && state.onlyAdminsSend === true && state.role === 'member');
  }

  /** Reports a message to the company running the service (once per message; a repeat answers the first report). */
  report(conversationId: string, conversationSeq: number, reason: ReportReason): Promise<ActionMap['report']['result']> {
    return this.call('report', { conversationId, conversationSeq, reason });
  }

  /**
   * How many members other than its author have read up to a message (`conversationSeq`), and who
   * (`readBy`, in conversations of up to 100 members).
   */
  readReceipts(conversationId: string, conversationSeq: number): Promise<ReadReceiptsResult> {
    return this.call('readReceipts', { conversationId, conversationSeq });
  }

  // ---- Push notifications -------------------------------------------------------------------

  /**
   * Binds this device's push token (APNs: the hex device token, `apns-sandbox` for development
   * builds; FCM: the registration token), so it is notified while it has no connection. Call it
   * at every app start and whenever the push service gives a new token.
   */
  registerPush(platform: PushPlatform, token: string): Promise<Record<string, never>> {
    return this.call('registerPush', { platform, token });
  }

  /** Removes this device's push token: call it on sign-out, before `stop()`. */
  unregisterPush(): Promise<Record<string, never>> {
    return this.call('unregisterPush', {});
  }

  /** No push notifications of a conversation until `until` (epoch ms; `null` unmutes), on all of this user's devices. */
  async mute(conversationId: string, until: number | null): Promise<MuteResult> {
    const result = await this.call('mute', { conversationId, until });
    this.conversationStore.setMutedUntil(conversationId, result.mutedUntil);
    return result;
  }

  // ---- Blocking -----------------------------------------------------------------------------

  /**
   * Blocks a user: no direct messages (a `send` either way fails with FORBIDDEN `blocked`), typing,
   * read or delivered receipts or presence pass between the two until `unblock`. Shared groups are
   * not affected. Idempotent.
   */
  async block(userId: string): Promise<void> {
    await this.call('block', { userId });
    this.setBlocked([...this.blockedUsers, userId]);
  }

  /** Undoes `block` (idempotent). */
  async unblock(userId: string): Promise<void> {
    await this.call('unblock', { userId });
    this.setBlocked([...this.blockedUsers].filter((blocked) => blocked !== userId));
  }

  /** The users this user blocks (loaded with the conversations, kept by `block`/`unblock`). */
  get blocked(): string[] {
    return [...this.blockedUsers];
  }

  /** Whether this user blocks `userId`. */
  isBlocked(userId: string): boolean {
    return this.blockedUsers.has(userId);
  }

  private setBlocked(userIds: readonly string[]): void {
    const next = new Set(userIds);
    if (next.size === this.blockedUsers.size && [...next].every((userId) => this.blockedUsers.has(userId))) return;
    this.blockedUsers = next;
    this.emitter.emit('blockedChanged', this.blocked);
  }

  /** True while the app is in the background and the connection was closed for it (see `appState`). */
  get pausedInBackground(): boolean {
    return this.lifecycle?.isPaused ?? false;
  }

  // ---- Internals ----------------------------------------------------------------------------

  /** Back in the foreground: connect at once (paused or waiting out a backoff), or catch up on the open connection. */
  private resume(): void {
    if (!this.running) return;
    if (this.connected) {
      void this.timeline.sync();
      this.largeGroups.catchUpAll();
      if (this.settings.autoLoadConversations) void this.refreshConversations();
    } else if (this.connection.state === 'closed' || this.connection.state === 'idle') {
      this.connection.start();
    } else {
      this.connection.reconnectNow();
    }
  }

  /** A protocol action with its reply type. */
  private call<A extends ActionName>(action: A, params: object, options?: RequestOptions): Promise<ActionMap[A]['result']> {
    return this.requests.request<ActionMap[A]['result']>(action, params, options);
  }

  private load(): Promise<void> {
    this.loading ??= (async () => {
      await Promise.all([this.timeline.load(), this.largeGroups.load(), this.outboxQueue.load(), this.changeQueue.load(), this.messageStates.load()]);
    })();
    return this.loading;
  }

  private onStateChanged(change: ConnectionStateChange): void {
    if (change.state === 'failed' && change.failure) {
      // No connection will come without the app's help: what waits for one fails now.
      this.requests.rejectAll(`the connection failed (${change.failure.reason})`);
      for (const waiter of this.connectedWaiters.splice(0)) waiter.reject(change.failure.error);
    }
    this.emitter.emit('connectionState', change);
    if (change.state === 'connected') for (const waiter of this.connectedWaiters.splice(0)) waiter.resolve();
  }

  /** After every (re)connect: pull what was missed, resend the outbox, refresh the list. */
  private onConnected(): void {
    const link = this.connection.link;
    if (link) this.requests.flushQueued(link);
    void this.timeline.sync();
    this.outboxQueue.kick();
    this.changeQueue.kick();
    void this.deliveryAcks.flush();
    this.largeGroups.catchUpAll();
    if (this.settings.autoLoadConversations) void this.refreshConversations();
  }

  private onFrame(link: Link, text: string): void {
    const parsed = parseFrame(text);
    if (parsed.kind === 'reply') {
      if (this.keepAlive.onReply(link, parsed.frame)) return;
      if (!this.requests.handleReply(parsed.frame) && !parsed.frame.ok) {
        this.reportError(ImError.fromReply(parsed.frame.error));
      }
    } else if (parsed.kind === 'event') {
      this.onEvent(link, parsed.frame);
    } else if (parsed.frame && typeof parsed.frame === 'object' && typeof (parsed.frame as { message?: unknown }).message === 'string') {
      // API Gateway's own error frames ({"message": "Internal server error", ...}) carry no id.
      this.reportError(new ImError('INTERNAL', `gateway: ${(parsed.frame as { message: string }).message}`));
    }
  }

  private onEvent(link: Link, frame: EventFrame): void {
    this.emitter.emit('serverEvent', frame);
    const data = frame.data as Record<string, unknown> | null | undefined;
    if (!data || typeof data !== 'object') return;
    switch (frame.event) {
      case 'message':
        if (typeof data.seq === 'number') {
          const item = data as unknown as TimelineItem;
          this.timeline.offer(item);
          // A pushed message from someone else: acknowledge it (the server records synced ones itself).
          if (isMessageItem(item) && item.message.from !== this.userId) this.deliveryAcks.note(item.message.conversationId, item.message.conversationSeq);
        }
        break;
      case 'groupMessage':
        if (isMessage(data)) {
          this.largeGroups.offer(data);
          if (data.from !== this.userId) this.deliveryAcks.note(data.conversationId, data.conversationSeq);
        }
        break;
      case 'groupUpdate':
        if (isMessage(data)) this.applyUpdate(data);
        break;
      case 'heartbeat':
        this.keepAlive.onHeartbeatEvent(link);
        break;
      case 'delivered':
        if (typeof data.conversationId === 'string' && typeof data.userId === 'string' && typeof data.upTo === 'number') {
          const event = data as unknown as DeliveredEvent;
          this.conversationStore.applyDelivered(event);
          this.emitter.emit('delivered', event);
        }
        break;
      case 'read':
        if (typeof data.conversationId === 'string' && typeof data.userId === 'string' && typeof data.upTo === 'number') {
          const event = data as unknown as ReadEvent;
          this.conversationStore.applyRead(event);
          this.emitter.emit('read', event);
          this.refreshIfStale();
        }
        break;
      case 'typing':
        if (typeof data.conversationId === 'string' && typeof data.userId === 'string' && data.userId !== this.userId) {
          this.typingTracker.started(data.conversationId, data.userId);
        }
        break;
      case 'closing':
        // The server is about to delete this connection (docs/protocol.md). A signal without a
        // boolean `retry` is treated as retry: the SDK never strands the app on a malformed one.
        this.connection.serverClosing(link, { reason: typeof data.reason === 'string' && data.reason ? data.reason : 'unknown', retry: data.retry !== false });
        break;
      case 'presence':
        if (typeof data.userId === 'string' && typeof data.online === 'boolean') {
          const event = data as unknown as PresenceEvent;
          this.presenceStore.fromEvent(event);
          this.emitter.emit('presence', event);
        }
        break;
      default:
        break;
    }
  }

  private applyTimelineItem(item: TimelineItem): void {
    if (item.type === 'void') return;
    if (item.type === 'update' && item.message) {
      this.applyUpdate(item.message);
    } else if (item.type === 'deleteForMe' && item.deleted) {
      this.applyDeleted(item.deleted);
    } else if (isMessageItem(item)) {
      const message = item.message;
      const first = this.emitted.add(message.msgId);
      this.applyMessage(message);
      // A large group's message in our timeline (e.g. our own): it moves that group's cursor too,
      // without a second event.
      if (this.largeGroups.isTracked(message.conversationId)) this.largeGroups.offer(message);
      if (!first) return;
      this.emitter.emit('message', item);
    } else {
      // Membership changes and other system items: the list may have changed.
      this.refreshConversationsSoon();
    }
    this.emitter.emit('timelineItem', item);
  }

  private applyGroupMessage(message: Message): void {
    if (!this.emitted.add(message.msgId)) return;
    this.applyMessage(message);
    this.emitter.emit('groupMessage', message);
  }

  /** A message's new state, wherever it came from: applied in place when newer, announced once. */
  private applyUpdate(message: Message): void {
    if (!this.messageStates.newer(message)) return;
    if (this.messageStates.isHidden(message.conversationId, message.conversationSeq)) return;
    this.cache.replace(message);
    if (this.conversationStore.applyUpdate(message)) this.refreshConversationsSoon();
    this.emitter.emit('messageUpdated', { message });
  }

  private applyDeleted(deleted: DeletedForMe): void {
    const added = this.messageStates.hide(deleted.conversationId, deleted.conversationSeqs);
    if (added.length === 0) return;
    this.cache.remove(deleted.conversationId, added);
    this.emitter.emit('messagesDeleted', { conversationId: deleted.conversationId, conversationSeqs: added });
  }

  private queueChange(request: MessageChangeRequest): Promise<ChangeReply> {
    return this.load().then(() => this.changeQueue.add(request));
  }

  private onChangeDone(_request: MessageChangeRequest, reply: ChangeReply): void {
    if ('message' in reply) this.applyUpdate(reply.message);
  }

  private onOutboxChanged(entries: OutboxEntry[]): void {
    const current = new Map(entries.map((entry) => [entry.clientMsgId, entry.status === 'queued' ? ('queued' as const) : ('sending' as const)]));
    for (const [clientMsgId, state] of current) {
      if (this.outboxStates.get(clientMsgId) === state) continue;
      this.outboxStates.set(clientMsgId, state);
      this.emitter.emit('messageStatus', { clientMsgId, status: { state } });
    }
    for (const clientMsgId of [...this.outboxStates.keys()]) if (!current.has(clientMsgId)) this.outboxStates.delete(clientMsgId);
    this.emitter.emit('outbox', entries);
  }

  private applyMessage(message: Message): void {
    this.messageStates.newer(message);
    if (this.conversationStore.applyMessage(message)) this.refreshConversationsSoon();
    this.cache.add(message);
    this.typingTracker.stopped(message.conversationId, message.from);
    this.refreshIfStale();
  }

  private onSent(entry: OutboxEntry, reply: SendResult): void {
    const message: Message = {
      msgId: reply.msgId,
      conversationId: reply.conversationId,
      conversationSeq: reply.conversationSeq,
      from: this.userId,
      // The server's moderation may have stored another body (redaction): the reply says which.
      body: reply.body ?? entry.body,
      ts: reply.ts,
      clientMsgId: entry.clientMsgId,
      ...(entry.replyTo !== undefined ? { replyTo: entry.replyTo } : {}),
      ...(entry.mentions !== undefined ? { mentions: [...new Set(entry.mentions)] } : {}),
    };
    // The server does not push our own message to the sending connection: the reply says where
    // it sits in our timeline (a gap before it triggers a sync).
    this.ownMessages.set(entry.clientMsgId, { conversationId: reply.conversationId, conversationSeq: reply.conversationSeq });
    if (this.ownMessages.size > 5_000) this.ownMessages.delete(this.ownMessages.keys().next().value!);
    if (typeof reply.seq === 'number') this.timeline.offer({ seq: reply.seq, type: 'message', message });
    else if (this.largeGroups.isTracked(reply.conversationId) || this.conversationStore.get(reply.conversationId)?.large) this.largeGroups.offer(message);
    this.emitter.emit('sent', { clientMsgId: entry.clientMsgId, reply, message });
    this.emitter.emit('messageStatus', { clientMsgId: entry.clientMsgId, conversationId: reply.conversationId, conversationSeq: reply.conversationSeq, status: this.messageStatus({ clientMsgId: entry.clientMsgId })! });
  }

  private refreshIfStale(): void {
    if (this.conversationStore.staleSince !== undefined) this.refreshConversationsSoon();
  }

  /** Reloads the list shortly (coalescing bursts), when connected. */
  private refreshConversationsSoon(): void {
    if (this.refreshTimer.active || !this.running) return;
    this.refreshTimer.start(200, () => void this.refreshConversations());
  }

  private refreshConversations(): Promise<unknown> {
    this.refreshTimer.cancel();
    if (!this.connected) return Promise.resolve();
    if (this.refreshing) {
      // The load in flight may predate the change: load once more after it.
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = this.loadConversations()
      .catch((error: unknown) => {
        if (!(error instanceof ImError && error.code === 'DISCONNECTED')) this.reportError(error);
      })
      .finally(() => {
        this.refreshing = undefined;
        if (this.refreshAgain) {
          this.refreshAgain = false;
          this.refreshConversationsSoon();
        }
      });
    return this.refreshing;
  }

  private reportError(error: unknown): void {
    if (this.emitter.listenerCount('error') > 0) this.emitter.emit('error', asError(error));
  }
}

const asError = (value: unknown): Error => (value instanceof Error ? value : new Error(String(value)));

function isMessage(value: Record<string, unknown>): value is Record<string, unknown> & Message {
  return typeof value.conversationId === 'string' && typeof value.conversationSeq === 'number' && typeof value.from === 'string';
}

/** Creates a client (same as `new ImClient(options)`). */
export const createClient = (options: ImClientOptions): ImClient => new ImClient(options);
