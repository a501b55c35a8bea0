import { CONNECTION_TTL_SECONDS, touchConnection } from '../storage/connections.js';
import type { Storage } from '../storage/storage.js';

/**
 * Keeps the directory record of a connection that is busy but never pings from expiring while it
 * is open: any action is a sign of life. A refresh is a write, so it happens only when the record
 * may be past half its lifetime: never in a connection's first half-TTL (its `$connect` record
 * still holds), then at most once per half-TTL per connection and Lambda instance.
 */
export class ConnectionKeepAlive {
  private readonly refreshedAt = new Map<string, number>();

  constructor(private readonly ttlMs: number = CONNECTION_TTL_SECONDS * 1000) {}

  /** True when the record may expire within half its lifetime, as far as this instance knows. */
  needsRefresh(connectionId: string, connectedAt: number, now: number): boolean {
    const lastKnown = Math.max(connectedAt, this.refreshedAt.get(connectionId) ?? 0);
    return now - lastKnown >= this.ttlMs / 2;
  }

  /** Notes a refresh (a ping, or one made here), so the next half-TTL needs none. */
  refreshed(connectionId: string, now: number): void {
    // Bounded memory: an instance serves many connections over its life; old entries only cost a refresh.
    if (this.refreshedAt.size >= 10_000) this.refreshedAt.clear();
    this.refreshedAt.set(connectionId, now);
  }

  async refreshIfNeeded(storage: Storage, connectionId: string, connectedAt: number, now: number): Promise<void> {
    if (!this.needsRefresh(connectionId, connectedAt, now)) return;
    await touchConnection(storage, connectionId, now);
    this.refreshed(connectionId, now);
  }
}
