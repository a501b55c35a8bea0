import type { Timers } from './timers.js';

/**
 * Who is typing where: a `typing` event marks its user typing in its conversation for `ttlMs`
 * (renewed by the next event), and a message from that user ends it. Also throttles this user's
 * own `typing` signals, at most one per conversation per `throttleMs`.
 */
export class TypingTracker {
  private readonly typing = new Map<string, Map<string, unknown>>();
  private readonly lastSent = new Map<string, number>();

  constructor(
    private readonly timers: Timers,
    private readonly ttlMs: number,
    private readonly throttleMs: number,
    private readonly changed: (conversationId: string, userIds: string[]) => void,
  ) {}

  users(conversationId: string): string[] {
    return [...(this.typing.get(conversationId)?.keys() ?? [])];
  }

  started(conversationId: string, userId: string): void {
    let users = this.typing.get(conversationId);
    if (!users) this.typing.set(conversationId, (users = new Map()));
    const known = users.has(userId);
    if (known) this.timers.clearTimeout(users.get(userId));
    users.set(userId, this.timers.setTimeout(() => this.stopped(conversationId, userId), this.ttlMs));
    if (!known) this.changed(conversationId, this.users(conversationId));
  }

  stopped(conversationId: string, userId: string): void {
    const users = this.typing.get(conversationId);
    if (!users?.has(userId)) return;
    this.timers.clearTimeout(users.get(userId));
    users.delete(userId);
    if (users.size === 0) this.typing.delete(conversationId);
    this.changed(conversationId, this.users(conversationId));
  }

  /** True when this user may signal typing in the conversation now (and records it). */
  shouldSend(conversationId: string): boolean {
    const now = this.timers.now();
    const last = this.lastSent.get(conversationId);
    if (last !== undefined && now - last < this.throttleMs) return false;
    this.lastSent.set(conversationId, now);
    return true;
  }

  clear(): void {
    for (const users of this.typing.values()) for (const handle of users.values()) this.timers.clearTimeout(handle);
    this.typing.clear();
    this.lastSent.clear();
  }
}
