import { HEARTBEAT_FRAME, HEARTBEAT_REQUEST_ID, KEEP_ALIVE_FRAME, KEEP_ALIVE_REQUEST_ID } from '@serverless-im/protocol';
import { ImError } from './errors.js';
import type { Link } from './link.js';
import { Timer, type Timers } from './timers.js';

export interface KeepAliveOptions {
  /**
   * A link that received nothing for this long gets a `heartbeat` (answered) instead of a one-way
   * `keepAlive`: an answer proves frames still flow both ways. Anything received proves it too.
   */
  probeSilenceMs: number;
  /** Servers before `keepAlive` only: refresh the connection record (a `ping`) at least this often. */
  refreshEveryMs: number;
  /** A heartbeat unanswered this long: ask with a `ping` before giving the link up. */
  timeoutMs: number;
  /** False: ping every time (a server without the keep-alive routes, or a deployment that wants it). */
  heartbeat: boolean;
  /** False: never the one-way `keepAlive` (heartbeats, and a ping every `refreshEveryMs`, as before it existed). */
  oneWay: boolean;
  timers: Timers;
  /** The `ping` request on a link; rejects when it goes unanswered. */
  ping(link: Link): Promise<void>;
}

interface Waiter {
  settle(outcome: 'answered' | 'unsupported'): void;
}

/**
 * Keeps a link alive below API Gateway's 10-minute idle timeout at the lowest cost. Each check is
 * a one-way `keepAlive` (one WebSocket message, answered by nobody: API Gateway's mock route), or,
 * when the link has received nothing for `probeSilenceMs`, a `heartbeat`, which API Gateway
 * answers (two messages): no Lambda runs and nothing is written either way, because the server's
 * connection record lasts the connection's life.
 *
 * Older servers are recognised by their `BAD_REQUEST` reply to the fixed request ids: without
 * the `keepAlive` route, the link uses heartbeats and, every `refreshEveryMs`, a `ping` (those
 * servers' records expire without one); without the `heartbeat` route either, it pings.
 */
export class KeepAlive {
  private readonly refreshedAt = new WeakMap<Link, number>();
  private readonly pingOnly = new WeakSet<Link>();
  private readonly noOneWay = new WeakSet<Link>();
  private readonly waiters = new WeakMap<Link, Waiter>();

  constructor(private readonly options: KeepAliveOptions) {}

  /** Keeps `link` alive once; rejects (TIMEOUT or DISCONNECTED) when the link looks dead. */
  async check(link: Link): Promise<void> {
    const now = this.options.timers.now();
    if (!this.options.heartbeat || this.pingOnly.has(link)) return this.refresh(link);
    if (this.options.oneWay && !this.noOneWay.has(link)) {
      if (now - Math.max(link.openedAt, link.receivedAt) < this.options.probeSilenceMs) return this.sendOneWay(link);
      return this.probe(link);
    }
    // A server without `keepAlive`: its records still need a ping now and then.
    if (now - (this.refreshedAt.get(link) ?? link.openedAt) >= this.options.refreshEveryMs) return this.refresh(link);
    return this.probe(link);
  }

  /** A frame that may answer a heartbeat: the `heartbeat` event, or a reply to the heartbeat's id. */
  onHeartbeatEvent(link: Link): void {
    this.waiters.get(link)?.settle('answered');
  }

  /** True when the reply answered a keep-alive frame (and so is no one else's business). */
  onReply(link: Link, reply: { id: string | null; ok: boolean }): boolean {
    if (reply.id === KEEP_ALIVE_REQUEST_ID) {
      // Only a server without the route answers it: it routed the frame to `$default`.
      if (!reply.ok) this.noOneWay.add(link);
      return true;
    }
    if (reply.id !== HEARTBEAT_REQUEST_ID) return false;
    this.waiters.get(link)?.settle(reply.ok ? 'answered' : 'unsupported');
    return true;
  }

  private sendOneWay(link: Link): Promise<void> {
    if (!link.transmit(KEEP_ALIVE_FRAME)) return Promise.reject(new ImError('DISCONNECTED', 'keepAlive: the connection is not open'));
    return Promise.resolve();
  }

  /** A heartbeat; unanswered or unsupported, a ping decides whether the link is alive. */
  private async probe(link: Link): Promise<void> {
    const outcome = await this.heartbeat(link);
    if (outcome === 'answered') return;
    if (outcome === 'unsupported') this.pingOnly.add(link);
    await this.refresh(link);
  }

  private async refresh(link: Link): Promise<void> {
    const started = this.options.timers.now();
    await this.options.ping(link);
    this.refreshedAt.set(link, started);
  }

  private heartbeat(link: Link): Promise<'answered' | 'unsupported' | 'unanswered'> {
    if (!link.transmit(HEARTBEAT_FRAME)) return Promise.reject(new ImError('DISCONNECTED', 'heartbeat: the connection is not open'));
    return new Promise((resolve) => {
      const timer = new Timer(this.options.timers);
      const settle = (outcome: 'answered' | 'unsupported' | 'unanswered'): void => {
        timer.cancel();
        this.waiters.delete(link);
        resolve(outcome);
      };
      this.waiters.set(link, { settle });
      timer.start(this.options.timeoutMs, () => settle('unanswered'));
    });
  }
}
