import type { PresenceInfo } from './protocol.js';

/** The last known presence of users, from `presence` replies and events. */
export class PresenceStore {
  private readonly known = new Map<string, PresenceInfo>();

  constructor(private readonly now: () => number) {}

  get(userId: string): PresenceInfo | undefined {
    const info = this.known.get(userId);
    return info ? { ...info } : undefined;
  }

  fromReply(users: Record<string, PresenceInfo>): void {
    for (const [userId, info] of Object.entries(users)) this.known.set(userId, { online: info.online, lastSeen: info.lastSeen ?? null });
  }

  fromEvent(event: { userId: string; online: boolean }): void {
    const previous = this.known.get(event.userId);
    this.known.set(event.userId, { online: event.online, lastSeen: event.online ? (previous?.lastSeen ?? null) : this.now() });
  }

  clear(): void {
    this.known.clear();
  }
}
