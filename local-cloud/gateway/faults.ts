/**
 * TEST-ONLY fault injection for the management API, so tests can reproduce what AWS does under
 * stress: a half-dead connection that swallows pushes while POSTs still succeed, and throttled
 * or failing POSTs. Nothing in the gateway changes behaviour unless a test calls these.
 */
export class GatewayFaults {
  private readonly droppedConnections = new Set<string>();
  private readonly postFailures: number[] = [];
  private disconnectsLost = false;

  /** POSTs to this connection answer 200 but deliver nothing, like a connection whose peer vanished silently. */
  dropPushesTo(connectionId: string): void {
    this.droppedConnections.add(connectionId);
  }

  /** The next `count` POSTs (to any connection) fail with `status`, e.g. 429 or 500. */
  failNextPosts(status: number, count = 1): void {
    for (let i = 0; i < count; i++) this.postFailures.push(status);
  }

  /**
   * Connections that end from now on never get their `$disconnect` (AWS delivers it on a
   * best-effort basis), like a gateway node that died with its connections.
   */
  loseDisconnects(): void {
    this.disconnectsLost = true;
  }

  /** Back to normal behaviour. */
  clear(): void {
    this.droppedConnections.clear();
    this.postFailures.length = 0;
    this.disconnectsLost = false;
  }

  /** @internal */
  losesDisconnects(): boolean {
    return this.disconnectsLost;
  }

  /** @internal */
  dropsPushesTo(connectionId: string): boolean {
    return this.droppedConnections.has(connectionId);
  }

  /** @internal Consumes one injected failure, if any. */
  takePostFailure(): number | undefined {
    return this.postFailures.shift();
  }
}
