import { Backoff, type BackoffOptions } from './backoff.js';
import { ImError, sendConflict } from './errors.js';
import type { PersistedValue } from './persisted-value.js';
import type { Body, SendResult } from './protocol.js';
import type { JsonValue } from './storage.js';
import type { Sleeper } from './timers.js';

/** What `send` takes: exactly one of `to` (a user, direct message) or `conversationId`. */
export type SendInput = ({ to: string; conversationId?: undefined } | { conversationId: string; to?: undefined }) & {
  body: Body;
  /** Chosen by the SDK (random) unless given: 1-64 chars, unique per sender. */
  clientMsgId?: string;
  /** The conversationSeq of the message this one answers (same conversation). */
  replyTo?: number;
  /** Members mentioned (`@name`). */
  mentions?: string[];
};

export type OutboxStatus = 'queued' | 'sending' | 'retrying';

/** A message waiting in the outbox. */
export interface OutboxEntry {
  clientMsgId: string;
  to?: string;
  conversationId?: string;
  body: Body;
  replyTo?: number;
  mentions?: string[];
  /** Client time the message was queued, epoch ms. */
  createdAt: number;
  status: OutboxStatus;
  /** Attempts transmitted so far (by this client instance). */
  attempts: number;
  /** The error of the last failed attempt. */
  lastError?: { code: string; message: string };
}

export interface OutboxRetryOptions extends BackoffOptions {
  /** Bound on one attempt (transmission to reply), ms. */
  timeoutMs: number;
  /**
   * CONFLICT `inProgress` answers ("an earlier attempt is still in progress") tolerated before the
   * message fails with CONFLICT; CONFLICT `clientMsgIdReused` (another conversation) fails at once.
   */
  maxConflictRetries: number;
}

export interface OutboxDeps {
  entries: PersistedValue<JsonValue[]>;
  send(entry: OutboxEntry, timeoutMs: number): Promise<SendResult>;
  connected(): boolean;
  sleeper: Sleeper;
  random: () => number;
  now(): number;
  retry: OutboxRetryOptions;
  newClientMsgId(): string;
  changed(entries: OutboxEntry[]): void;
  sent(entry: OutboxEntry, reply: SendResult): void;
  failed(entry: OutboxEntry, error: ImError): void;
}

/** Codes after which the same send is tried again (same clientMsgId). */
const RETRYABLE = new Set(['TIMEOUT', 'INTERNAL', 'RATE_LIMITED']);

/**
 * The outbox: messages are persisted before they are transmitted, transmitted one at a time in
 * order (the server orders one sender's messages by acknowledgement), and retried with the same
 * clientMsgId until acknowledged, which the server deduplicates. Permanent errors take the
 * message out of the outbox and reject its promise.
 */
export class Outbox {
  private entries: OutboxEntry[] = [];
  private readonly waiters = new Map<string, { resolve(reply: SendResult): void; reject(error: ImError): void }>();
  private readonly backoff: Backoff;
  private running = false;
  private stopped = false;

  constructor(private readonly deps: OutboxDeps) {
    this.backoff = new Backoff(deps.retry, deps.random);
  }

  /** The messages not yet acknowledged, oldest first (copies). */
  list(): OutboxEntry[] {
    return this.entries.map((entry) => ({ ...entry }));
  }

  async load(): Promise<void> {
    const stored = await this.deps.entries.load();
    const loaded: OutboxEntry[] = [];
    for (const value of Array.isArray(stored) ? stored : []) {
      const entry = value as Partial<OutboxEntry> | null;
      if (!entry || typeof entry.clientMsgId !== 'string' || !entry.body) continue;
      loaded.push({
        clientMsgId: entry.clientMsgId,
        ...(typeof entry.to === 'string' ? { to: entry.to } : {}),
        ...(typeof entry.conversationId === 'string' ? { conversationId: entry.conversationId } : {}),
        body: entry.body,
        ...(typeof entry.replyTo === 'number' ? { replyTo: entry.replyTo } : {}),
        ...(Array.isArray(entry.mentions) ? { mentions: entry.mentions.filter((user): user is string => typeof user === 'string') } : {}),
        createdAt: typeof entry.createdAt === 'number' ? entry.createdAt : this.deps.now(),
        status: 'queued',
        attempts: 0,
      });
    }
    // Entries sent by this instance before a load keep their place after the stored ones.
    const known = new Set(loaded.map((entry) => entry.clientMsgId));
    this.entries = [...loaded, ...this.entries.filter((entry) => !known.has(entry.clientMsgId))];
    if (this.entries.length > 0) this.deps.changed(this.list());
  }

  /** Queues a message; resolves with the send reply once acknowledged. */
  async add(input: SendInput): Promise<SendResult> {
    if ((input.to === undefined) === (input.conversationId === undefined)) {
      throw new ImError('BAD_REQUEST', 'send: exactly one of "to" and "conversationId" is required', { action: 'send' });
    }
    const clientMsgId = input.clientMsgId ?? this.deps.newClientMsgId();
    if (clientMsgId.length < 1 || clientMsgId.length > 64) throw new ImError('BAD_REQUEST', 'send: clientMsgId must be 1-64 chars', { action: 'send' });
    if (this.entries.some((entry) => entry.clientMsgId === clientMsgId)) {
      throw new ImError('CONFLICT', `send: clientMsgId ${clientMsgId} is already in the outbox`, { action: 'send' });
    }
    const entry: OutboxEntry = {
      clientMsgId,
      ...(input.to !== undefined ? { to: input.to } : { conversationId: input.conversationId }),
      body: input.body,
      ...(input.replyTo !== undefined ? { replyTo: input.replyTo } : {}),
      ...(input.mentions !== undefined && input.mentions.length > 0 ? { mentions: input.mentions } : {}),
      createdAt: this.deps.now(),
      status: 'queued',
      attempts: 0,
    };
    const settled = new Promise<SendResult>((resolve, reject) => this.waiters.set(clientMsgId, { resolve, reject }));
    this.entries.push(entry);
    this.persist();
    this.deps.changed(this.list());
    // Stored before it is ever transmitted: a reload resends it with the same clientMsgId.
    await this.deps.entries.flush();
    this.kick();
    return settled;
  }

  /** Starts transmitting (after a connect, or when something was queued). */
  kick(): void {
    this.stopped = false;
    if (this.running || this.entries.length === 0) return;
    this.running = true;
    void this.work().finally(() => {
      this.running = false;
      // Something may have been queued while the worker was finishing.
      if (!this.stopped && this.entries.length > 0 && this.deps.connected()) this.kick();
    });
  }

  /** Stops transmitting; pending promises reject with DISCONNECTED, entries stay stored. */
  stop(): void {
    this.stopped = true;
    for (const entry of this.entries) entry.status = 'queued';
    for (const [clientMsgId, waiter] of this.waiters) {
      waiter.reject(new ImError('DISCONNECTED', `send ${clientMsgId}: the client stopped; the message stays in the outbox and is resent on the next start`, { action: 'send' }));
    }
    this.waiters.clear();
  }

  private async work(): Promise<void> {
    while (!this.stopped && this.deps.connected()) {
      const entry = this.entries[0];
      if (!entry) return;
      this.setStatus(entry, 'sending');
      entry.attempts++;
      let reply: SendResult;
      try {
        reply = await this.deps.send(entry, this.deps.retry.timeoutMs);
      } catch (caught) {
        if (this.entries[0] !== entry) continue; // stopped and reloaded meanwhile
        const error = caught instanceof ImError ? caught : new ImError('INTERNAL', String(caught), { action: 'send' });
        entry.lastError = { code: error.code, message: error.message };
        const disposition = this.disposition(entry, error);
        if (disposition === 'reconnect') {
          // Resent on the next connection (or at once on a connection that replaced this one).
          this.setStatus(entry, 'queued');
          continue;
        }
        if (disposition === 'retry') {
          this.setStatus(entry, 'retrying');
          // The server's hint (RATE_LIMITED, CONFLICT inProgress) is a floor under the backoff.
          await this.deps.sleeper.sleep(Math.max(this.backoff.next(), error.retryAfterMs ?? 0));
          continue;
        }
        this.remove(entry);
        this.waiters.get(entry.clientMsgId)?.reject(error);
        this.waiters.delete(entry.clientMsgId);
        this.deps.failed(entry, error);
        continue;
      }
      this.backoff.reset();
      if (this.entries[0] !== entry) continue;
      this.remove(entry);
      this.deps.sent(entry, reply);
      this.waiters.get(entry.clientMsgId)?.resolve(reply);
      this.waiters.delete(entry.clientMsgId);
    }
    for (const entry of this.entries) if (entry.status !== 'queued') this.setStatus(entry, 'queued');
  }

  private conflicts = new Map<string, number>();

  private disposition(entry: OutboxEntry, error: ImError): 'retry' | 'reconnect' | 'permanent' {
    if (error.code === 'DISCONNECTED') return 'reconnect';
    if (RETRYABLE.has(error.code)) return 'retry';
    if (sendConflict(error) === 'inProgress') {
      const count = (this.conflicts.get(entry.clientMsgId) ?? 0) + 1;
      this.conflicts.set(entry.clientMsgId, count);
      if (count <= this.deps.retry.maxConflictRetries) return 'retry';
    }
    return 'permanent';
  }

  private remove(entry: OutboxEntry): void {
    this.entries = this.entries.filter((candidate) => candidate !== entry);
    this.conflicts.delete(entry.clientMsgId);
    this.persist();
    this.deps.changed(this.list());
  }

  private setStatus(entry: OutboxEntry, status: OutboxStatus): void {
    if (entry.status === status) return;
    entry.status = status;
    this.deps.changed(this.list());
  }

  private persist(): void {
    this.deps.entries.set(
      this.entries.map((entry) => {
        const stored: Record<string, JsonValue> = { clientMsgId: entry.clientMsgId, body: entry.body as unknown as JsonValue, createdAt: entry.createdAt };
        if (entry.to !== undefined) stored.to = entry.to;
        if (entry.conversationId !== undefined) stored.conversationId = entry.conversationId;
        if (entry.replyTo !== undefined) stored.replyTo = entry.replyTo;
        if (entry.mentions !== undefined) stored.mentions = entry.mentions;
        return stored;
      }),
    );
  }
}
