/**
 * TEST-ONLY fault injection for the management API, so tests can reproduce what AWS does under
 * stress: a half-dead connection that swallows pushes while POSTs still succeed, and throttled
 * or failing POSTs. Nothing in the gateway changes behaviour unless a test calls these.
 */
export class GatewayFaults {
  private readonly droppedConnections = new Set<string>();
  private readonly postFailures: number[] = [];
  private disconnectsLost = false;
  private readonly hungConnections = new Set<string>();
  private readonly hungResponses = new Set<{ destroy(): void }>();

  /** POSTs to this connection answer 200 but deliver nothing, like a connection whose peer vanished silently. */
  dropPushesTo(connectionId: string): void {
    this.droppedConnections.add(connectionId);
  }

  /**
   * POSTs to this connection are read and then never answered, like the management API calls that
   * hang past the SDK's timeout (a known issue of the AWS SDK for JavaScript v3).
   */
  hangPostsTo(connectionId: string): void {
    this.hungConnections.add(connectionId);
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
    this.hungConnections.clear();
    for (const response of this.hungResponses) response.destroy();
    this.hungResponses.clear();
  }

  /** @internal Keeps `response` unanswered when POSTs to the connection hang; true if it did. */
  hold(connectionId: string, response: { destroy(): void }): boolean {
    if (!this.hungConnections.has(connectionId)) return false;
    this.hungResponses.add(response);
    return true;
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
