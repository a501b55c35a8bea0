import { Backoff, type BackoffOptions } from './backoff.js';
import { ImError } from './errors.js';
import type { PersistedValue } from './persisted-value.js';
import type { Body, DeleteForMeResult, MessageChangeResult } from './protocol.js';
import type { JsonValue } from './storage.js';
import type { Sleeper } from './timers.js';

/** A change of messages the user asked for: what `edit`, `recall`, `react` and `deleteForMe` take. */
export type MessageChangeRequest =
  | { action: 'edit'; conversationId: string; conversationSeq: number; body: Body }
  | { action: 'recall'; conversationId: string; conversationSeq: number }
  | { action: 'react'; conversationId: string; conversationSeq: number; emoji: string; on: boolean }
  | { action: 'deleteForMe'; conversationId: string; conversationSeqs: number[] };

export type ChangeReply = MessageChangeResult | DeleteForMeResult;

export type ChangeStatus = 'queued' | 'sending' | 'retrying';

/** A change waiting to be acknowledged. */
export interface ChangeEntry {
  /** The SDK's id for it (not sent: the server's idempotency comes from the changes themselves). */
  changeId: string;
  request: MessageChangeRequest;
  createdAt: number;
  status: ChangeStatus;
  attempts: number;
  lastError?: { code: string; message: string };
}

export interface ChangeQueueDeps {
  entries: PersistedValue<JsonValue[]>;
  send(request: MessageChangeRequest, timeoutMs: number): Promise<ChangeReply>;
  connected(): boolean;
  sleeper: Sleeper;
  random: () => number;
  now(): number;
  retry: BackoffOptions & { timeoutMs: number };
  newId(): string;
  changed(entries: ChangeEntry[]): void;
  done(entry: ChangeEntry, reply: ChangeReply): void;
  failed(entry: ChangeEntry, error: ImError): void;
}

/** Codes after which the same change is tried again. */
const RETRYABLE = new Set(['TIMEOUT', 'INTERNAL', 'RATE_LIMITED']);

const isChangeRequest = (value: unknown): value is MessageChangeRequest => {
  const request = value as Partial<MessageChangeRequest> | null;
  return (
    !!request &&
    typeof request.conversationId === 'string' &&
    (request.action === 'deleteForMe' ? Array.isArray(request.conversationSeqs) : ['edit', 'recall', 'react'].includes(String(request.action)) && typeof (request as { conversationSeq?: unknown }).conversationSeq === 'number')
  );
};

/**
 * The outbox of message changes, like the message outbox: persisted before transmission, sent one
 * at a time in the order asked (two edits of one message end in the later one), retried until
 * acknowledged. A retry is safe because each change is idempotent on the server: an edit to the
 * body the message already has, a second recall, a reaction already there, hiding what is hidden
 * change nothing. Permanent errors (FORBIDDEN, NOT_FOUND, ...) take the change out and reject.
 */
export class ChangeQueue {
  private entries: ChangeEntry[] = [];
  private readonly waiters = new Map<string, { resolve(reply: ChangeReply): void; reject(error: ImError): void }>();
  private readonly backoff: Backoff;
  private running = false;
  private stopped = false;

  constructor(private readonly deps: ChangeQueueDeps) {
    this.backoff = new Backoff(deps.retry, deps.random);
  }

  list(): ChangeEntry[] {
    return this.entries.map((entry) => ({ ...entry }));
  }

  async load(): Promise<void> {
    const stored = await this.deps.entries.load();
    const loaded: ChangeEntry[] = [];
    for (const value of Array.isArray(stored) ? stored : []) {
      const entry = value as Partial<ChangeEntry> | null;
      if (!entry || typeof entry.changeId !== 'string' || !isChangeRequest(entry.request)) continue;
      loaded.push({ changeId: entry.changeId, request: entry.request, createdAt: typeof entry.createdAt === 'number' ? entry.createdAt : this.deps.now(), status: 'queued', attempts: 0 });
    }
    const known = new Set(loaded.map((entry) => entry.changeId));
    this.entries = [...loaded, ...this.entries.filter((entry) => !known.has(entry.changeId))];
    if (this.entries.length > 0) this.deps.changed(this.list());
  }

  /** Queues a change; resolves with the server's reply once acknowledged. */
  async add(request: MessageChangeRequest): Promise<ChangeReply> {
    const entry: ChangeEntry = { changeId: this.deps.newId(), request, createdAt: this.deps.now(), status: 'queued', attempts: 0 };
    const settled = new Promise<ChangeReply>((resolve, reject) => this.waiters.set(entry.changeId, { resolve, reject }));
    this.entries.push(entry);
    this.persist();
    this.deps.changed(this.list());
    await this.deps.entries.flush();
    this.kick();
    return settled;
  }

  kick(): void {
    this.stopped = false;
    if (this.running || this.entries.length === 0) return;
    this.running = true;
    void this.work().finally(() => {
      this.running = false;
      if (!this.stopped && this.entries.length > 0 && this.deps.connected()) this.kick();
    });
  }

  /** Stops transmitting; pending promises reject with DISCONNECTED, entries stay stored. */
  stop(): void {
    this.stopped = true;
    for (const entry of this.entries) entry.status = 'queued';
    for (const [changeId, waiter] of this.waiters) {
      waiter.reject(new ImError('DISCONNECTED', `change ${changeId}: the client stopped; the change stays queued and is sent on the next start`));
    }
    this.waiters.clear();
  }

  private async work(): Promise<void> {
    while (!this.stopped && this.deps.connected()) {
      const entry = this.entries[0];
      if (!entry) return;
      this.setStatus(entry, 'sending');
      entry.attempts++;
      let reply: ChangeReply;
      try {
        reply = await this.deps.send(entry.request, this.deps.retry.timeoutMs);
      } catch (caught) {
        if (this.entries[0] !== entry) continue;
        const error = caught instanceof ImError ? caught : new ImError('INTERNAL', String(caught), { action: entry.request.action });
        entry.lastError = { code: error.code, message: error.message };
        if (error.code === 'DISCONNECTED') {
          this.setStatus(entry, 'queued');
          continue;
        }
        if (RETRYABLE.has(error.code)) {
          this.setStatus(entry, 'retrying');
          await this.deps.sleeper.sleep(Math.max(this.backoff.next(), error.retryAfterMs ?? 0));
          continue;
        }
        this.remove(entry);
        this.waiters.get(entry.changeId)?.reject(error);
        this.waiters.delete(entry.changeId);
        this.deps.failed(entry, error);
        continue;
      }
      this.backoff.reset();
      if (this.entries[0] !== entry) continue;
      this.remove(entry);
      this.deps.done(entry, reply);
      this.waiters.get(entry.changeId)?.resolve(reply);
      this.waiters.delete(entry.changeId);
    }
    for (const entry of this.entries) if (entry.status !== 'queued') this.setStatus(entry, 'queued');
  }

  private remove(entry: ChangeEntry): void {
    this.entries = this.entries.filter((candidate) => candidate !== entry);
    this.persist();
    this.deps.changed(this.list());
  }

  private setStatus(entry: ChangeEntry, status: ChangeStatus): void {
    if (entry.status === status) return;
    entry.status = status;
    this.deps.changed(this.list());
  }

  private persist(): void {
    this.deps.entries.set(this.entries.map((entry) => ({ changeId: entry.changeId, request: entry.request as unknown as JsonValue, createdAt: entry.createdAt })));
  }
}
