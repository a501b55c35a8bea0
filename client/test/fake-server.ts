import {
  actions,
  type Body,
  type ConversationSummary,
  directConversationId,
  type ErrorReason,
  errorReplySchema,
  events,
  MAX_MEMBERS_PER_REQUEST,
  MAX_REACTIONS_PER_USER,
  type Message,
  type SystemEvent,
  type TimelineItem,
} from '@serverless-im/protocol';
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import type { UploadRequest, UploadResponse } from '../src/upload-transport.js';
import type { WebSocketConstructor, WebSocketLike } from '../src/websocket.js';

/**
 * An in-process fake of the backend for unit tests: a WebSocket class with the same interface the
 * SDK uses (no network; everything is delivered asynchronously through microtasks, or timers
 * when replies are delayed), and a small in-memory implementation of protocol v1 (per-user
 * timelines with contiguous seq, send idempotent per clientMsgId, sync, conversations, read,
 * history, syncConversation, readReceipts, typing, presence, ping, large groups, edit, recall,
 * react, deleteForMe, delivered receipts, block/unblock and presence privacy), plus hooks to
 * inject faults.
 *
 * It speaks the protocol through the same schemas as the server (@serverless-im/protocol):
 * request frames are validated like the server's edge does, and every reply and event it sends
 * is checked against the protocol's reply and event schemas. A fake that drifts from the
 * protocol throws FakeServerDriftError, which fails the test that provoked it.
 */

z.config(en());

type Json = Record<string, unknown>;

interface Conversation {
  id: string;
  kind: 'direct' | 'group';
  members: string[];
  title?: string;
  /** Groups: the owner (the creator, until a transfer). */
  owner?: string;
  /** Groups: the admins (roles, issue 17). */
  admins?: Set<string>;
  /** Groups: only the owner and admins may send / add. */
  onlyAdminsSend?: boolean;
  onlyAdminsAdd?: boolean;
  /** Reports by reporter#cseq. */
  reports?: Map<string, { reportedAt: number; reason: string }>;
  large: boolean;
  messages: Message[];
  reads: Map<string, number>;
  /** Push mutes per member (epoch ms). */
  mutes?: Map<string, number>;
  /** Delivered positions per member (sync, syncConversation, the `delivered` action). */
  delivered?: Map<string, number>;
  /** The change log: the cseq each change position changed. */
  changeLog?: number[];
  /** deleteForMe: the cseqs each member hid. */
  hidden?: Map<string, Set<number>>;
}

interface UserState {
  timeline: TimelineItem[];
  claims: Map<string, { conversationId: string; reply: Json }>;
  lastSeen: number | null;
  /** deleteForMe requests already answered (conversation + cseqs) and their item's seq. */
  deleted?: Map<string, number>;
}

interface Fault {
  action: string;
  count: number;
  kind: 'error' | 'swallow' | 'delay';
  code?: string;
  reason?: string;
  retryAfterMs?: number;
  delayMs?: number;
  message?: string;
  /** swallow: process the request (store it) before dropping the reply. */
  process?: boolean;
}

class ProtocolError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly reason?: ErrorReason,
  ) {
    super(message);
  }
}

/** The fake sent something the protocol does not allow: the fake, not the SDK, must be fixed. */
export class FakeServerDriftError extends Error {
  override readonly name = 'FakeServerDriftError';
}

/** Checks what the fake sends against the protocol's schema for it. */
function conform(schema: z.ZodMiniType, value: unknown, what: string): void {
  const checked = schema.safeParse(value);
  if (!checked.success) throw new FakeServerDriftError(`the fake server's ${what} does not match the protocol: ${z.prettifyError(checked.error)}\n${JSON.stringify(value)}`);
}

/** The refusal for a frame that fails its schema, as the server's edge answers it. */
function schemaRefusal(error: z.core.$ZodError): ProtocolError {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.') || 'frame';
  const message = issue?.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : `${field}: ${issue?.message ?? 'invalid'}`;
  const bodyTooBig = error.issues.some((candidate) => candidate.path[0] === 'body' && (candidate.code === 'too_big' || (candidate.code === 'custom' && /at most/.test(candidate.message))));
  return bodyTooBig ? new ProtocolError('TOO_LARGE', message, 'bodyTooLarge') : new ProtocolError('BAD_REQUEST', message, 'invalidField');
}

type ActionDefinition = { request: z.ZodMiniType; result: z.ZodMiniType };
const actionDefinitions: Record<string, ActionDefinition | undefined> = actions;
const eventSchemas: Record<string, z.ZodMiniType | undefined> = events;

export class FakeSocket implements WebSocketLike {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  readyState = 0;
  onopen: ((event: any) => void) | null = null;
  onmessage: ((event: any) => void) | null = null;
  onclose: ((event: any) => void) | null = null;
  onerror: ((event: any) => void) | null = null;

  readonly user: string | undefined;
  readonly device: string;
  readonly token: string;
  /** Frames this socket sent (parsed). */
  readonly sent: Json[] = [];
  /** Half-open: frames vanish in both directions. */
  blackholed = false;
  losesPushes = false;
  closeCode: number | undefined;

  constructor(
    private readonly server: FakeServer,
    readonly url: string,
  ) {
    const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
    const params = new Map<string, string>();
    for (const pair of query.split('&')) {
      const [key, value] = pair.split('=');
      if (key) params.set(decodeURIComponent(key), decodeURIComponent(value ?? ''));
    }
    this.token = params.get('token') ?? '';
    this.device = params.get('device') ?? 'default';
    this.user = this.token.startsWith('token-') ? this.token.slice('token-'.length) : jwtSubject(this.token);
    server.handshakes.push({ url, token: this.token, device: this.device, user: this.user, at: Date.now() });
    void Promise.resolve().then(() => server.accept(this));
  }

  private readonly unexpectedResponse: ((request: unknown, response: { statusCode: number }) => void)[] = [];

  /** `ws`-style: the only EventEmitter event this fake emits is `unexpected-response` (see FakeServer.handshakeStatusVisible). */
  on(event: string, listener: (request: unknown, response: { statusCode: number }) => void): this {
    if (event === 'unexpected-response') this.unexpectedResponse.push(listener);
    return this;
  }

  /** @internal Emits `unexpected-response` as `ws` does; false when nobody listens (then `ws` fails the socket itself). */
  respond(statusCode: number): boolean {
    if (this.unexpectedResponse.length === 0) return false;
    for (const listener of this.unexpectedResponse) listener({}, { statusCode });
    return true;
  }

  send(data: string): void {
    if (this.readyState === 0) throw new Error('InvalidStateError: still connecting');
    if (this.readyState !== 1) return;
    let frame: Json;
    try {
      frame = JSON.parse(data) as Json;
    } catch {
      frame = { raw: data };
    }
    this.sent.push(frame);
    if (this.blackholed) return;
    void Promise.resolve().then(() => this.server.receive(this, frame, data));
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return;
    this.readyState = 2;
    void Promise.resolve().then(() => this.finish(code ?? 1005, reason ?? '', true));
  }

  /** @internal */
  deliver(text: string): void {
    if (this.readyState !== 1 || this.blackholed) return;
    void Promise.resolve().then(() => {
      if (this.readyState === 1 && !this.blackholed) this.onmessage?.({ data: text });
    });
  }

  /** @internal */
  finish(code: number, reason: string, wasClean: boolean): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.closeCode = code;
    this.server.disconnected(this);
    this.onclose?.({ code, reason, wasClean });
  }
}

export class FakeServer {
  /** The WebSocket class to inject into the SDK. */
  readonly WebSocket: WebSocketConstructor;
  readonly handshakes: { url: string; token: string; device: string; user: string | undefined; at: number }[] = [];
  /** Every request frame received, in order, with the user who sent it. */
  readonly requests: { user: string; frame: Json }[] = [];
  readonly sockets: FakeSocket[] = [];
  private readonly live = new Set<FakeSocket>();
  private readonly users = new Map<string, UserState>();
  private readonly conversations = new Map<string, Conversation>();
  /** Who each user blocks (`block`). */
  private readonly blocks = new Map<string, Set<string>>();
  private readonly faults: Fault[] = [];
  private refusals = 0;
  private refusalStatus = 401;
  /**
   * Refused handshakes: `false` (default) as a browser sees them, a close (1006) before open and
   * no status; `true` as Node's `ws` reports them, `unexpected-response` with the HTTP status.
   */
  handshakeStatusVisible = false;
  private handshakeHeld = false;
  private readonly heldHandshakes: FakeSocket[] = [];
  private readonly syncStalls = new Map<string, number>();
  private groupCounter = 0;
  /** What happened, in order: `recv <action> <clientMsgId?>` and `reply <action> <clientMsgId?> <ok|CODE>` (when delivered). */
  readonly trace: string[] = [];
  /** Large groups: also give the sender a timeline item for its own message (as the backend does). */
  largeGroupSenderTimeline = false;
  /** The deployment's moderation hook (docs/moderation.md): a body to store instead, or 'deny'. */
  moderate: ((body: Body) => Body | 'deny') | undefined;
  /** Replies (not pushes) wait this long, through setTimeout (fake timers apply). */
  replyDelayMs = 0;
  /** False: the server has no `heartbeat` route (v1), so a heartbeat is an unknown action. */
  heartbeatRoute = true;
  /** False: the server has no one-way `keepAlive` route (before it existed), so it is an unknown action. */
  keepAliveRoute = true;
  /** Attachments: what `attachmentUpload` granted (`bytes` once uploaded), by attachment id. */
  readonly attachments = new Map<string, { uploader: string; size: number; contentType: string; expiresAt: number; bytes?: Uint8Array }>();
  /** Every upload the fake S3 saw: `PUT <attachmentId> <status>`. */
  readonly uploadLog: string[] = [];
  /** The next uploads fail: a network error, or an S3 status with its error code. */
  readonly uploadFaults: ({ kind: 'network' } | { kind: 'status'; status: number; code: string })[] = [];
  private attachmentCounter = 0;

  /**
   * The fake S3: an upload transport that stores the bytes when the request matches the grant
   * (size, content type, every signed header, not expired, write-once), as the real S3 does.
   */
  readonly uploadTransport = async (request: UploadRequest): Promise<UploadResponse> => {
    const id = /\/attachments\/([^?]+)/.exec(request.url)?.[1] ?? '';
    const fault = this.uploadFaults.shift();
    const bytes = request.data instanceof Uint8Array ? request.data : new Uint8Array(await (request.data as Blob).arrayBuffer());
    request.onProgress(Math.floor(bytes.byteLength / 2));
    const answer = (status: number, code = ''): UploadResponse => {
      this.uploadLog.push(`PUT ${id} ${status}`);
      return { status, body: code ? `<Error><Code>${code}</Code></Error>` : '' };
    };
    if (fault?.kind === 'network') {
      this.uploadLog.push(`PUT ${id} network`);
      throw new Error('connection reset');
    }
    if (fault?.kind === 'status') return answer(fault.status, fault.code);
    const grant = this.attachments.get(id);
    if (!grant) return answer(403, 'AccessDenied');
    if (Date.now() > grant.expiresAt) return answer(403, 'AccessDenied');
    if (bytes.byteLength !== grant.size || request.headers['content-type'] !== grant.contentType || request.headers['if-none-match'] !== '*') {
      return answer(403, 'SignatureDoesNotMatch');
    }
    if (grant.bytes) return answer(412, 'PreconditionFailed');
    grant.bytes = bytes.slice();
    request.onProgress(bytes.byteLength);
    return answer(200);
  };
  /** Push tokens by `user/device`, as `registerPush` left them. */
  readonly pushTokens = new Map<string, { platform: string; token: string }>();

  constructor() {
    const server = this;
    this.WebSocket = class extends FakeSocket {
      constructor(url: string) {
        super(server, url);
        server.sockets.push(this);
      }
    };
  }

  static token(user: string): string {
    return `token-${user}`;
  }

  // ---- Fault injection ------------------------------------------------------------------------

  /** The next `count` handshakes are refused with HTTP `status` (how the client sees it: `handshakeStatusVisible`). */
  refuseHandshakes(count = Number.POSITIVE_INFINITY, status = 401): void {
    this.refusals = count;
    this.refusalStatus = status;
  }

  /** Handshakes stay pending (the socket never opens) until `releaseHandshakes`. */
  holdHandshakes(): void {
    this.handshakeHeld = true;
  }

  releaseHandshakes(): void {
    this.handshakeHeld = false;
    for (const socket of this.heldHandshakes.splice(0)) this.accept(socket);
  }

  /** The next `count` requests of `action` are answered with an error (and `reason`) and change nothing. */
  failNext(action: string, code: string, count = 1, message = `injected ${code}`, reason?: ErrorReason, retryAfterMs?: number): void {
    this.faults.push({ action, count, kind: 'error', code, message, ...(reason ? { reason } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }

  /** The next `count` requests of `action` get no reply; with `process` they take effect first. */
  swallowNext(action: string, count = 1, process = true): void {
    this.faults.push({ action, count, kind: 'swallow', process });
  }

  /** The replies to the next `count` requests of `action` wait `ms` (through setTimeout). */
  delayNext(action: string, ms: number, count = 1): void {
    this.faults.push({ action, count, kind: 'delay', delayMs: ms });
  }

  /** The next `count` syncs of `user` answer "hasMore, no items" (the server waiting behind a seq). */
  stallSync(user: string, count: number): void {
    this.syncStalls.set(user, count);
  }

  /** Pushes to every connection of `user` vanish (a half-dead connection); replies still arrive. */
  losePushesTo(user: string, lose = true): void {
    for (const socket of this.connectionsOf(user)) socket.losesPushes = lose;
  }

  /** The server closes connections of `user` (all, or one), e.g. 1001 at the 2-hour limit or 1006 for a network drop. */
  drop(target: string | FakeSocket, code = 1006): void {
    const sockets = typeof target === 'string' ? this.connectionsOf(target) : [target];
    for (const socket of sockets) socket.finish(code, '', false);
  }

  /** The connection goes half-open: nothing arrives in either direction, and no close is seen. */
  blackhole(socket: FakeSocket): void {
    socket.blackholed = true;
  }

  // ---- Inspection and direct manipulation -----------------------------------------------------

  connectionsOf(user: string): FakeSocket[] {
    return [...this.live].filter((socket) => socket.user === user);
  }

  get liveConnections(): FakeSocket[] {
    return [...this.live];
  }

  timeline(user: string): TimelineItem[] {
    return this.user(user).timeline.map((item) => structuredClone(item));
  }

  messages(conversationId: string): Message[] {
    return (this.conversations.get(conversationId)?.messages ?? []).map((message) => structuredClone(message));
  }

  /** The `send` frames received (what the SDK transmitted), optionally of one user. */
  sendFrames(user?: string): Json[] {
    return this.requests.filter((entry) => entry.frame.action === 'send' && (user === undefined || entry.user === user)).map((entry) => entry.frame);
  }

  /** A seq whose writer crashed: a `void` item (pushed like any item). */
  appendVoid(user: string): number {
    const state = this.user(user);
    const item: TimelineItem = { seq: state.timeline.length + 1, type: 'void' };
    state.timeline.push(item);
    this.push(user, { event: 'message', data: item });
    return item.seq;
  }

  /** `from` sends a message as if from a device that is not connected here. */
  sendAs(from: string, destination: { to: string } | { conversationId: string }, text: string, clientMsgId = `srv-${Math.random().toString(36).slice(2)}`): Json {
    return this.handleSend(from, undefined, { clientMsgId, ...destination, body: { kind: 'text', text } });
  }

  /** A group above the large-group threshold: messages stored once, members notified with `groupMessage`. */
  createLargeGroup(members: string[], title = 'large'): string {
    const id = `g:large${String(++this.groupCounter).padStart(4, '0')}`;
    this.conversations.set(id, { id, kind: 'group', members: [...members], title, large: true, messages: [], reads: new Map() });
    return id;
  }

  /** Pushes an event to every connection of `user` (one the protocol does not know is sent unchecked, as from a newer server). */
  pushEvent(user: string, event: string, data: unknown): void {
    this.push(user, { event, data });
  }

  // ---- Transport ------------------------------------------------------------------------------

  /** @internal */
  accept(socket: FakeSocket): void {
    if (socket.readyState !== 0) return;
    if (this.handshakeHeld) {
      this.heldHandshakes.push(socket);
      return;
    }
    if (this.refusals > 0 || socket.user === undefined) {
      if (this.refusals > 0) this.refusals--;
      const status = socket.user === undefined ? 401 : this.refusalStatus;
      if (this.handshakeStatusVisible && socket.respond(status)) return;
      socket.onerror?.({ type: 'error', message: 'Unexpected server response: 401' });
      socket.finish(1006, '', false);
      return;
    }
    socket.readyState = 1;
    this.live.add(socket);
    this.user(socket.user);
    socket.onopen?.({ type: 'open' });
  }

  /** @internal */
  disconnected(socket: FakeSocket): void {
    if (this.live.delete(socket) && socket.user) this.user(socket.user).lastSeen = Date.now();
  }

  /** @internal */
  receive(socket: FakeSocket, frame: Json, raw: string): void {
    if (socket.readyState !== 1 || !socket.user) return;
    const user = socket.user;
    this.requests.push({ user, frame });
    const label = `${String(frame.action)}${typeof frame.clientMsgId === 'string' ? ` ${frame.clientMsgId}` : ''}`;
    this.trace.push(`recv ${label}`);
    // Like the server, a reply echoes the request id only when it is a valid one.
    const id = typeof frame.id === 'string' && frame.id.length >= 1 && frame.id.length <= 64 ? frame.id : null;
    const action = typeof frame.action === 'string' ? frame.action : '';
    // API Gateway answers a heartbeat itself (a mock integration): an event, no request id.
    if (action === 'heartbeat' && this.heartbeatRoute) {
      socket.deliver(JSON.stringify({ event: 'heartbeat', data: { ts: Date.now() } }));
      return;
    }
    // A one-way mock route: API Gateway sends nothing back.
    if (action === 'keepAlive' && this.keepAliveRoute) return;
    const delay = this.faults.find((candidate) => candidate.kind === 'delay' && candidate.action === action && candidate.count > 0);
    if (delay) delay.count--;
    const fault = this.faults.find((candidate) => candidate.kind !== 'delay' && candidate.action === action && candidate.count > 0);
    if (fault) fault.count--;
    if (fault?.kind === 'error') {
      const error = { code: fault.code, message: fault.message, ...(fault.reason ? { reason: fault.reason } : {}), ...(fault.retryAfterMs !== undefined ? { retryAfterMs: fault.retryAfterMs } : {}) };
      this.reply(socket, { id, ok: false, error }, delay?.delayMs, label);
      return;
    }
    let reply: Json;
    if (fault?.kind === 'swallow' && !fault.process) return;
    try {
      if (!isJsonObject(raw)) throw new ProtocolError('BAD_REQUEST', 'frame must be a JSON object', 'invalidFrame');
      const definition = actionDefinitions[action];
      if (!definition) throw new ProtocolError('BAD_REQUEST', `unknown action ${JSON.stringify(action || raw)}`, 'unknownAction');
      const parsed = definition.request.safeParse(frame);
      if (!parsed.success) throw schemaRefusal(parsed.error);
      const data = this.handle(user, socket, action, parsed.data as Json);
      conform(definition.result, data, `reply to ${action}`);
      reply = { id, ok: true, data };
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      reply = { id, ok: false, error: { code: error.code, message: error.message, ...(error.reason ? { reason: error.reason } : {}) } };
    }
    if (fault?.kind === 'swallow') return;
    this.reply(socket, reply, delay?.delayMs, label);
  }

  private reply(socket: FakeSocket, reply: Json, delayMs = this.replyDelayMs, label = ''): void {
    if (!reply.ok) conform(errorReplySchema, reply, 'error reply');
    const text = JSON.stringify(reply);
    const outcome = reply.ok ? 'ok' : String((reply.error as { code?: string }).code);
    const deliver = (): void => {
      this.trace.push(`reply ${label} ${outcome}`);
      socket.deliver(text);
    };
    if (delayMs > 0) setTimeout(deliver, delayMs);
    else deliver();
  }

  private push(user: string, event: Json, except?: FakeSocket): void {
    const schema = typeof event.event === 'string' ? eventSchemas[event.event] : undefined;
    if (schema) conform(schema, event.data, `${String(event.event)} event`);
    const text = JSON.stringify(event);
    for (const socket of this.connectionsOf(user)) if (socket !== except && !socket.losesPushes) socket.deliver(text);
  }

  private user(userId: string): UserState {
    let state = this.users.get(userId);
    if (!state) this.users.set(userId, (state = { timeline: [], claims: new Map(), lastSeen: null }));
    return state;
  }

  // ---- Protocol -------------------------------------------------------------------------------

  private handle(user: string, socket: FakeSocket, action: string, frame: Json): unknown {
    switch (action) {
      case 'send':
        return this.handleSend(user, socket, frame);
      case 'sync': {
        const after = frame.after as number;
        const limit = frame.limit as number;
        const timeline = this.user(user).timeline;
        const stalls = this.syncStalls.get(user) ?? 0;
        if (stalls > 0) {
          this.syncStalls.set(user, stalls - 1);
          return { items: [], latest: timeline.length, hasMore: true };
        }
        const items = timeline.filter((item) => item.seq > after).slice(0, limit);
        const last = items.at(-1)?.seq ?? after;
        // As the server: what a sync returns from others is delivered.
        this.recordReceipts(user, items.flatMap((item) => (item.type === 'message' && item.message ? [item.message] : [])));
        return { items, latest: timeline.length, hasMore: last < timeline.length };
      }
      case 'conversations': {
        const items: ConversationSummary[] = [];
        for (const conversation of this.conversations.values()) {
          if (!conversation.members.includes(user)) continue;
          if (conversation.kind === 'direct' && conversation.messages.length === 0) continue;
          const readUpTo = conversation.reads.get(user) ?? 0;
          const unread = conversation.messages.filter((message) => message.from !== user && message.conversationSeq > readUpTo).length;
          const summary: ConversationSummary = { conversationId: conversation.id, kind: conversation.kind, unread, readUpTo };
          if (conversation.kind === 'direct') {
            summary.peer = conversation.members.find((member) => member !== user)!;
            summary.deliveredUpTo = Math.max(conversation.delivered?.get(summary.peer) ?? 0, conversation.reads.get(summary.peer) ?? 0);
          }
          else {
            summary.title = conversation.title ?? '';
            summary.memberCount = conversation.members.length;
            summary.role = this.roleOf(conversation, user);
            if (conversation.owner !== undefined) summary.owner = conversation.owner;
            summary.onlyAdminsSend = conversation.onlyAdminsSend === true;
            summary.onlyAdminsAdd = conversation.onlyAdminsAdd === true;
            if (!conversation.large && conversation.members.length <= 100) summary.admins = conversation.members.filter((member) => conversation.admins?.has(member));
            // As the server: groups up to 100 members (not large ones) list their members.
            if (!conversation.large && conversation.members.length <= 100) summary.members = [...conversation.members];
          }
          const last = conversation.messages.at(-1);
          if (last) summary.lastMessage = last;
          const mutedUntil = conversation.mutes?.get(user);
          if (mutedUntil !== undefined && mutedUntil > Date.now()) summary.mutedUntil = mutedUntil;
          if (conversation.large) {
            summary.large = true;
            summary.latestSeq = conversation.messages.length;
          }
          items.push(summary);
        }
        return { items, totalUnread: items.reduce((sum, item) => sum + item.unread, 0), blocked: [...(this.blocks.get(user) ?? [])] };
      }
      case 'read': {
        const conversation = this.member(user, frame.conversationId);
        const upTo = Math.min(frame.upTo as number, conversation.messages.length);
        if (upTo > (conversation.reads.get(user) ?? 0)) {
          conversation.reads.set(user, upTo);
          const event = { event: 'read', data: { conversationId: conversation.id, userId: user, upTo } };
          // As the server: a block stops read receipts both ways (the reader's own devices still hear).
          for (const member of conversation.members) if (member === user || !this.blockedConversation(conversation)) this.push(member, event, socket);
        }
        const readUpTo = conversation.reads.get(user) ?? 0;
        const unread = conversation.messages.filter((message) => message.from !== user && message.conversationSeq > readUpTo).length;
        const all = this.handle(user, socket, 'conversations', {}) as { totalUnread: number };
        return { unread, totalUnread: all.totalUnread };
      }
      case 'history': {
        const conversation = this.member(user, frame.conversationId);
        const before = (frame.before as number | undefined) ?? Number.MAX_SAFE_INTEGER;
        const limit = frame.limit as number;
        const older = conversation.messages.filter((message) => message.conversationSeq < before).reverse();
        return { items: this.asSeenBy(user, conversation, older.slice(0, limit)), hasMore: older.length > limit };
      }
      case 'syncConversation': {
        const conversation = this.member(user, frame.conversationId);
        const after = frame.after as number;
        const limit = frame.limit as number;
        const items = conversation.messages.filter((message) => message.conversationSeq > after).slice(0, limit);
        const last = items.at(-1)?.conversationSeq ?? after;
        this.recordReceipts(user, items);
        const log = conversation.changeLog ?? [];
        const result: Json = { items: this.asSeenBy(user, conversation, items), latest: conversation.messages.length, hasMore: last < conversation.messages.length, latestChange: log.length };
        if (typeof frame.changesAfter === 'number') {
          const upTo = Math.min(log.length, frame.changesAfter + limit);
          const changed = [...new Set(log.slice(frame.changesAfter, upTo))].map((cseq) => conversation.messages[cseq - 1]!);
          Object.assign(result, { changes: this.asSeenBy(user, conversation, changed), changesUpTo: Math.max(upTo, frame.changesAfter) });
        }
        return result;
      }
      case 'edit':
      case 'recall':
      case 'react':
        return this.handleChange(user, socket, action, frame);
      case 'deleteForMe': {
        const conversation = this.member(user, frame.conversationId);
        const seqs = [...new Set(frame.conversationSeqs as number[])].sort((a, b) => a - b);
        if (seqs.at(-1)! > conversation.messages.length) throw new ProtocolError('NOT_FOUND', 'conversationSeqs: no such message');
        conversation.hidden ??= new Map();
        const hidden = conversation.hidden.get(user) ?? new Set<number>();
        for (const seq of seqs) hidden.add(seq);
        conversation.hidden.set(user, hidden);
        const state = this.user(user);
        state.deleted ??= new Map();
        const key = `${conversation.id}:${seqs.join(',')}`;
        let seq = state.deleted.get(key);
        if (seq === undefined) {
          const item: TimelineItem = { seq: state.timeline.length + 1, type: 'deleteForMe', deleted: { conversationId: conversation.id, conversationSeqs: seqs } };
          state.timeline.push(item);
          seq = item.seq;
          state.deleted.set(key, seq);
          this.push(user, { event: 'message', data: item }, socket);
        }
        return { seq };
      }
      case 'delivered': {
        const conversation = this.member(user, frame.conversationId);
        const upTo = Math.min(frame.upTo as number, conversation.messages.length);
        this.recordReceipts(user, conversation.messages.filter((message) => message.conversationSeq <= upTo));
        return {};
      }
      case 'typing': {
        const conversation = this.member(user, frame.conversationId);
        // As the server: not into a direct conversation without messages, nor while a block stands.
        if (conversation.kind === 'direct' && (conversation.messages.length === 0 || this.blockedConversation(conversation))) return {};
        for (const member of conversation.members) {
          if (member !== user) this.push(member, { event: 'typing', data: { conversationId: conversation.id, userId: user } });
        }
        return {};
      }
      case 'presence': {
        const users = frame.users as string[];
        const result: Record<string, { online: boolean; lastSeen: number | null }> = {};
        for (const id of users) {
          // As the server: only users who share a conversation with the caller and no block.
          if (!this.visibleTo(user, id)) {
            result[id] = { online: false, lastSeen: null };
            continue;
          }
          const online = this.connectionsOf(id).length > 0;
          result[id] = { online, lastSeen: online ? Date.now() : (this.users.get(id)?.lastSeen ?? null) };
        }
        return { users: result };
      }
      case 'ping':
        return { ts: Date.now() };
      case 'attachmentUpload': {
        const attachmentId = `att${String(++this.attachmentCounter).padStart(20, '0')}`;
        const expiresAt = Date.now() + 15 * 60_000;
        this.attachments.set(attachmentId, { uploader: user, size: frame.size as number, contentType: frame.contentType as string, expiresAt });
        const headers = { 'content-type': frame.contentType as string, 'if-none-match': '*' };
        return { attachmentId, upload: { method: 'PUT', url: `https://s3.fake.test/attachments/${attachmentId}`, headers }, expiresAt };
      }
      case 'attachmentDownload': {
        const conversation = this.member(user, frame.conversationId);
        const message = conversation.messages[(frame.conversationSeq as number) - 1];
        if (!message?.body || !('attachmentId' in message.body)) throw new ProtocolError('NOT_FOUND', 'no attachment', 'noAttachment');
        return { url: `https://s3.fake.test/attachments/${message.body.attachmentId}?download=${Date.now()}`, expiresAt: Date.now() + 15 * 60_000 };
      }
      case 'readReceipts': {
        const conversation = this.member(user, frame.conversationId);
        const seq = frame.conversationSeq as number;
        const message = conversation.messages[seq - 1];
        if (!message) throw new ProtocolError('NOT_FOUND', 'conversationSeq: no such message');
        const others = conversation.members.filter((member) => member !== message.from);
        const readBy = others.filter((member) => (conversation.reads.get(member) ?? 0) >= seq);
        const deliveredTo = others.filter((member) => Math.max(conversation.delivered?.get(member) ?? 0, conversation.reads.get(member) ?? 0) >= seq);
        return {
          conversationSeq: seq,
          readCount: readBy.length,
          memberCount: others.length,
          deliveredCount: deliveredTo.length,
          ...(others.length <= 100 ? { readBy, deliveredTo } : {}),
        };
      }
      case 'createGroup': {
        tooManyMembers(frame.members as string[]);
        const members = [...new Set([user, ...((frame.members as string[]) ?? [])])];
        const id = `g:group${String(++this.groupCounter).padStart(4, '0')}`;
        this.conversations.set(id, { id, kind: 'group', members, title: String(frame.title), owner: user, large: false, messages: [], reads: new Map() });
        for (const member of members) this.appendSystem(member, { event: 'groupCreated', conversationId: id, by: user, title: String(frame.title), members });
        return { conversationId: id };
      }
      case 'addMembers':
      case 'removeMembers': {
        const conversation = this.member(user, frame.conversationId);
        const changed = (frame.members as string[]) ?? [];
        tooManyMembers(changed);
        const role = this.roleOf(conversation, user);
        if (action === 'removeMembers' && role === 'member') throw new ProtocolError('FORBIDDEN', 'only the group owner and admins may remove members', 'notOwner');
        if (action === 'removeMembers' && role === 'admin' && changed.some((member) => member === conversation.owner || conversation.admins?.has(member))) {
          throw new ProtocolError('FORBIDDEN', 'only the group owner may remove the owner or an admin', 'notOwner');
        }
        if (action === 'addMembers' && conversation.onlyAdminsAdd && role === 'member') throw new ProtocolError('FORBIDDEN', 'only admins may add', 'onlyAdminsAdd');
        if (action === 'removeMembers') for (const member of changed) conversation.admins?.delete(member);
        if (action === 'addMembers') conversation.members = [...new Set([...conversation.members, ...changed])];
        else conversation.members = conversation.members.filter((member) => !changed.includes(member));
        return { members: [...conversation.members], memberCount: conversation.members.length };
      }
      case 'leaveGroup': {
        const conversation = this.member(user, frame.conversationId);
        conversation.members = conversation.members.filter((member) => member !== user);
        conversation.admins?.delete(user);
        if (conversation.owner === user && conversation.members.length > 0) conversation.owner = [...conversation.members].sort()[0];
        return {};
      }
      case 'setRole': {
        const conversation = this.member(user, frame.conversationId);
        if (conversation.owner !== user) throw new ProtocolError('FORBIDDEN', 'only the group owner may change roles', 'notOwner');
        const target = String(frame.userId);
        if (target === user) throw new ProtocolError('BAD_REQUEST', 'userId: the owner', 'invalidField');
        if (!conversation.members.includes(target)) throw new ProtocolError('NOT_FOUND', 'userId: not a member', 'notGroupMember');
        const role = frame.role as 'admin' | 'member';
        const changed = this.roleOf(conversation, target) !== role;
        if (changed) {
          conversation.admins ??= new Set();
          if (role === 'admin') conversation.admins.add(target);
          else conversation.admins.delete(target);
          for (const member of conversation.members) this.appendSystem(member, { event: 'roleChanged', conversationId: conversation.id, by: user, members: [target], role });
        }
        return { userId: target, role, changed };
      }
      case 'transferOwnership': {
        const conversation = this.member(user, frame.conversationId);
        if (conversation.owner !== user) throw new ProtocolError('FORBIDDEN', 'only the group owner may transfer the group', 'notOwner');
        const target = String(frame.userId);
        if (target === user) throw new ProtocolError('BAD_REQUEST', 'userId: the owner', 'invalidField');
        if (!conversation.members.includes(target)) throw new ProtocolError('NOT_FOUND', 'userId: not a member', 'notGroupMember');
        conversation.owner = target;
        conversation.admins ??= new Set();
        conversation.admins.delete(target);
        conversation.admins.add(user);
        for (const member of conversation.members) this.appendSystem(member, { event: 'ownershipTransferred', conversationId: conversation.id, by: user, members: [target], role: 'admin' });
        return { owner: target, previousOwner: user, previousOwnerRole: 'admin' };
      }
      case 'updateGroup': {
        const conversation = this.member(user, frame.conversationId);
        if (this.roleOf(conversation, user) === 'member') throw new ProtocolError('FORBIDDEN', 'only the owner or an admin', 'notAdmin');
        const changes: Partial<Pick<SystemEvent, 'title' | 'onlyAdminsSend' | 'onlyAdminsAdd'>> = {};
        if (frame.title !== undefined && frame.title !== conversation.title) changes.title = conversation.title = String(frame.title);
        if (frame.onlyAdminsSend !== undefined && frame.onlyAdminsSend !== (conversation.onlyAdminsSend === true)) changes.onlyAdminsSend = conversation.onlyAdminsSend = frame.onlyAdminsSend === true;
        if (frame.onlyAdminsAdd !== undefined && frame.onlyAdminsAdd !== (conversation.onlyAdminsAdd === true)) changes.onlyAdminsAdd = conversation.onlyAdminsAdd = frame.onlyAdminsAdd === true;
        const changed = Object.keys(changes).length > 0;
        if (changed) for (const member of conversation.members) this.appendSystem(member, { event: 'groupUpdated', conversationId: conversation.id, by: user, ...changes });
        return { title: conversation.title ?? '', onlyAdminsSend: conversation.onlyAdminsSend === true, onlyAdminsAdd: conversation.onlyAdminsAdd === true, changed };
      }
      case 'report': {
        const conversation = this.member(user, frame.conversationId);
        const cseq = frame.conversationSeq as number;
        if (!conversation.messages.some((message) => message.conversationSeq === cseq)) throw new ProtocolError('NOT_FOUND', 'conversationSeq: no such message');
        conversation.reports ??= new Map();
        const key = `${user}#${cseq}`;
        const earlier = conversation.reports.get(key);
        if (earlier) return { ...earlier, alreadyReported: true };
        const report = { reportedAt: Date.now(), reason: String(frame.reason) };
        conversation.reports.set(key, report);
        return { ...report, alreadyReported: false };
      }
      case 'registerPush': {
        // As the server: a token moves from whoever held it.
        for (const [key, value] of this.pushTokens) if (value.token === frame.token && value.platform === frame.platform) this.pushTokens.delete(key);
        this.pushTokens.set(`${user}/${socket.device}`, { platform: String(frame.platform), token: String(frame.token) });
        return {};
      }
      case 'unregisterPush':
        this.pushTokens.delete(`${user}/${socket.device}`);
        return {};
      case 'block':
      case 'unblock': {
        const other = frame.userId as string;
        if (other === user) throw new ProtocolError('BAD_REQUEST', 'userId: you cannot block yourself', 'invalidField');
        const blocked = this.blocks.get(user) ?? new Set<string>();
        if (action === 'block') blocked.add(other);
        else blocked.delete(other);
        this.blocks.set(user, blocked);
        return {};
      }
      case 'mute': {
        const id = String(frame.conversationId);
        // As the server: a direct conversation of the caller without messages has nothing to mute.
        if (!this.conversations.has(id) && id.startsWith('dm:') && id.split(':').slice(1).includes(user)) throw new ProtocolError('NOT_FOUND', 'the conversation has no messages yet');
        const conversation = this.member(user, frame.conversationId);
        if (conversation.kind === 'direct' && conversation.messages.length === 0) throw new ProtocolError('NOT_FOUND', 'the conversation has no messages yet');
        conversation.mutes ??= new Map();
        if (frame.until === null) conversation.mutes.delete(user);
        else conversation.mutes.set(user, frame.until as number);
        return { mutedUntil: frame.until };
      }
      default:
        throw new ProtocolError('BAD_REQUEST', `unknown action ${action}`);
    }
  }

  private handleSend(user: string, socket: FakeSocket | undefined, frame: Json): Json {
    // The frame passed the protocol's schema (or comes from `sendAs`).
    const clientMsgId = frame.clientMsgId as string;
    const sent = frame.body as Body;
    let body = sent;
    if ('attachmentId' in body) {
      const uploaded = this.attachments.get(body.attachmentId);
      if (!uploaded?.bytes) throw new ProtocolError('BAD_REQUEST', 'body.attachmentId: not uploaded', 'attachmentNotUploaded');
      if (uploaded.uploader !== user) throw new ProtocolError('FORBIDDEN', 'body.attachmentId: someone else’s', 'notUploader');
      if (uploaded.size !== body.size || uploaded.contentType !== body.contentType) throw new ProtocolError('BAD_REQUEST', 'body: mismatch', 'attachmentMismatch');
    }
    let conversation: Conversation;
    if (typeof frame.to === 'string') {
      if (frame.to === user) throw new ProtocolError('BAD_REQUEST', 'to: cannot send a direct message to yourself', 'invalidField');
      const id = directConversationId(user, frame.to);
      conversation = this.conversations.get(id) ?? { id, kind: 'direct', members: [user, frame.to].sort(), large: false, messages: [], reads: new Map() };
      this.conversations.set(id, conversation);
    } else {
      conversation = this.member(user, frame.conversationId);
      if (conversation.kind === 'group' && conversation.onlyAdminsSend && this.roleOf(conversation, user) === 'member') {
        throw new ProtocolError('FORBIDDEN', 'only the group owner and admins may send to this group', 'onlyAdminsSend');
      }
    }
    const state = this.user(user);
    const claim = state.claims.get(clientMsgId);
    if (claim) {
      if (claim.conversationId !== conversation.id) {
        throw new ProtocolError('CONFLICT', 'clientMsgId: already used for a message to another conversation', 'clientMsgIdReused');
      }
      return claim.reply;
    }
    // As the server: after the idempotency check (a retry of an accepted send still answers), before anything is stored.
    if (this.blockedConversation(conversation)) throw new ProtocolError('FORBIDDEN', 'this conversation is blocked', 'blocked');
    const judged = this.moderate?.(body);
    if (judged === 'deny') throw new ProtocolError('FORBIDDEN', 'refused by moderation', 'moderated');
    if (judged) body = judged;
    const message: Message = {
      msgId: `m${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`,
      conversationId: conversation.id,
      conversationSeq: conversation.messages.length + 1,
      from: user,
      body,
      ts: Date.now(),
      clientMsgId,
    };
    conversation.messages.push(message);
    conversation.reads.set(user, message.conversationSeq);
    // `seq` stays null for a large group's message unless the sender gets a timeline item for it.
    const reply: Json = { msgId: message.msgId, conversationId: conversation.id, conversationSeq: message.conversationSeq, seq: null, ts: message.ts, ...(body !== sent ? { body } : {}) };
    if (conversation.large) {
      for (const member of conversation.members) this.push(member, { event: 'groupMessage', data: message }, socket);
      if (this.largeGroupSenderTimeline) {
        const timeline = this.user(user).timeline;
        const item: TimelineItem = { seq: timeline.length + 1, type: 'message', message };
        timeline.push(item);
        reply.seq = item.seq;
        this.push(user, { event: 'message', data: item }, socket);
      }
    } else {
      for (const member of conversation.members) {
        const timeline = this.user(member).timeline;
        const item: TimelineItem = { seq: timeline.length + 1, type: 'message', message };
        timeline.push(item);
        if (member === user) reply.seq = item.seq;
        this.push(member, { event: 'message', data: item }, socket);
      }
    }
    state.claims.set(clientMsgId, { conversationId: conversation.id, reply });
    return reply;
  }

  /** `edit`, `recall`, `react` as the server applies them: in order, each raising `version`; an `update` item per member or a `groupUpdate`. */
  private handleChange(user: string, socket: FakeSocket, action: string, frame: Json): Json {
    const conversation = this.member(user, frame.conversationId);
    const seq = frame.conversationSeq as number;
    const current = conversation.messages[seq - 1];
    if (!current) throw new ProtocolError('NOT_FOUND', 'conversationSeq: no such message');
    let next: Message | undefined;
    if (action === 'edit') {
      if (current.from !== user) throw new ProtocolError('FORBIDDEN', 'only the sender may edit a message', 'notSender');
      if (current.recalled) throw new ProtocolError('FORBIDDEN', 'the message was recalled', 'messageRecalled');
      if (JSON.stringify(current.body) !== JSON.stringify(frame.body)) next = { ...current, body: frame.body as Body, editedAt: Date.now() };
    } else if (action === 'recall') {
      const owner = conversation.kind === 'group' && this.roleOf(conversation, user) !== 'member';
      if (current.from !== user && !owner) throw new ProtocolError('FORBIDDEN', 'only the sender (or the group owner) may recall a message', 'notSender');
      if (!current.recalled) {
        const { body: _body, mentions: _mentions, editedAt: _editedAt, reactions: _reactions, ...kept } = current;
        next = { ...kept, recalled: true };
      }
    } else {
      if (current.recalled) throw new ProtocolError('FORBIDDEN', 'the message was recalled', 'messageRecalled');
      const emoji = frame.emoji as string;
      const reactions = { ...(current.reactions ?? {}) };
      const users = reactions[emoji] ?? [];
      if (frame.on !== users.includes(user)) {
        if (frame.on && Object.values(reactions).filter((list) => list.includes(user)).length >= MAX_REACTIONS_PER_USER) {
          throw new ProtocolError('TOO_LARGE', `at most ${MAX_REACTIONS_PER_USER} different reactions per message`, 'tooManyReactions');
        }
        if (frame.on) reactions[emoji] = [...users, user];
        else if (users.length > 1) reactions[emoji] = users.filter((member) => member !== user);
        else delete reactions[emoji];
        const { reactions: _old, ...rest } = current;
        next = Object.keys(reactions).length > 0 ? { ...rest, reactions } : rest;
      }
    }
    if (!next) return { message: current, seq: null };
    next = { ...next, version: (current.version ?? 1) + 1 };
    conversation.messages[seq - 1] = next;
    (conversation.changeLog ??= []).push(seq);
    if (conversation.large) {
      for (const member of conversation.members) this.push(member, { event: 'groupUpdate', data: next }, socket);
      return { message: next, seq: null };
    }
    let own: number | null = null;
    for (const member of conversation.members) {
      const timeline = this.user(member).timeline;
      const item: TimelineItem = { seq: timeline.length + 1, type: 'update', message: next };
      timeline.push(item);
      if (member === user) own = item.seq;
      this.push(member, { event: 'message', data: item }, socket);
    }
    return { message: next, seq: own };
  }

  /** Moves `user`'s delivered position per conversation over `messages` from others, and tells their authors. */
  /** True for a direct conversation in which one member blocks the other. */
  private blockedConversation(conversation: Conversation): boolean {
    if (conversation.kind !== 'direct') return false;
    const [a, b] = conversation.members as [string, string];
    return (this.blocks.get(a)?.has(b) ?? false) || (this.blocks.get(b)?.has(a) ?? false);
  }

  /** Whether `presence` may report `other` to `user`: themselves, or a shared conversation and no block. */
  private visibleTo(user: string, other: string): boolean {
    if (other === user) return true;
    if ((this.blocks.get(user)?.has(other) ?? false) || (this.blocks.get(other)?.has(user) ?? false)) return false;
    return [...this.conversations.values()].some(
      (conversation) => conversation.members.includes(user) && conversation.members.includes(other) && (conversation.kind === 'group' || conversation.messages.length > 0),
    );
  }

  private recordReceipts(user: string, messages: readonly Message[]): void {
    const byConversation = new Map<string, Message[]>();
    for (const message of messages) if (message.from !== user) byConversation.set(message.conversationId, [...(byConversation.get(message.conversationId) ?? []), message]);
    for (const [conversationId, received] of byConversation) {
      const conversation = this.conversations.get(conversationId);
      if (!conversation || !conversation.members.includes(user)) continue;
      conversation.delivered ??= new Map();
      const before = conversation.delivered.get(user) ?? 0;
      const upTo = Math.max(...received.map((message) => message.conversationSeq));
      if (upTo <= before) continue;
      conversation.delivered.set(user, upTo);
      // As the server: a block stops delivered receipts both ways.
      if (this.blockedConversation(conversation)) continue;
      const authors = new Set(received.filter((message) => message.conversationSeq > before).map((message) => message.from));
      for (const author of authors) this.push(author, { event: 'delivered', data: { conversationId, userId: user, upTo } });
    }
  }

  /** Messages as `user` sees them: those they hid are `deletedForMe`, without content. */
  private asSeenBy(user: string, conversation: Conversation, messages: readonly Message[]): Message[] {
    const hidden = conversation.hidden?.get(user);
    if (!hidden) return [...messages];
    return messages.map((message) => {
      if (!hidden.has(message.conversationSeq)) return message;
      const { body: _body, mentions: _mentions, editedAt: _editedAt, reactions: _reactions, ...kept } = message;
      return { ...kept, deletedForMe: true as const };
    });
  }

  private appendSystem(user: string, system: SystemEvent): void {
    const timeline = this.user(user).timeline;
    const item: TimelineItem = { seq: timeline.length + 1, type: 'system', system };
    timeline.push(item);
    this.push(user, { event: 'message', data: item });
  }

  private roleOf(conversation: Conversation, user: string): 'owner' | 'admin' | 'member' {
    if (conversation.owner === user) return 'owner';
    return conversation.admins?.has(user) ? 'admin' : 'member';
  }

  private member(user: string, conversationId: unknown): Conversation {
    const conversation = typeof conversationId === 'string' ? this.conversations.get(conversationId) : undefined;
    if (!conversation || !conversation.members.includes(user)) throw new ProtocolError('FORBIDDEN', 'not a member of this conversation', 'notMember');
    return conversation;
  }
}

/** At most MAX_MEMBERS_PER_REQUEST user ids per membership request, as the server allows. */
function tooManyMembers(members: readonly string[] | undefined): void {
  if ((members?.length ?? 0) > MAX_MEMBERS_PER_REQUEST) {
    throw new ProtocolError('TOO_LARGE', `members: at most ${MAX_MEMBERS_PER_REQUEST} user ids per request`, 'tooManyMembers');
  }
}

/** The `sub` of an unexpired JWT (read, not verified: the fake trusts its tests), else undefined. */
function jwtSubject(token: string): string | undefined {
  const [, payload] = token.split('.');
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown; exp?: unknown };
    if (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now()) return undefined;
    return typeof claims.sub === 'string' && claims.sub ? claims.sub : undefined;
  } catch {
    return undefined;
  }
}

const isJsonObject = (text: string): boolean => {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
};
