import { HEARTBEAT_FRAME, HEARTBEAT_REQUEST_ID } from '@serverless-im/protocol';
import { ImError } from './errors.js';
import type { Link } from './link.js';
import { Timer, type Timers } from './timers.js';

export interface KeepAliveOptions {
  /** Refresh the server's connection record (a `ping`) at least this often; the rest are heartbeats. */
  refreshEveryMs: number;
  /** A heartbeat unanswered this long: ask with a `ping` before giving the link up. */
  timeoutMs: number;
  /** False: ping every time (a server without the `heartbeat` route, or a deployment that wants it). */
  heartbeat: boolean;
  timers: Timers;
  /** The `ping` request on a link; rejects when it goes unanswered. */
  ping(link: Link): Promise<void>;
}

interface Waiter {
  settle(outcome: 'answered' | 'unsupported'): void;
}

/**
 * Keeps a link alive below API Gateway's 10-minute idle timeout at the lowest cost: a
 * `heartbeat`, which API Gateway answers itself (two WebSocket messages, no Lambda, no write),
 * and every `refreshEveryMs` a `ping` instead, which also refreshes the connection record that
 * presence and fan-out read. A heartbeat carries no request id the server uses, so at most one is
 * outstanding per link. A server without the route (v1) answers the heartbeat's fixed id with
 * `BAD_REQUEST`: that link pings from then on.
 */
export class KeepAlive {
  private readonly refreshedAt = new WeakMap<Link, number>();
  private readonly pingOnly = new WeakSet<Link>();
  private readonly waiters = new WeakMap<Link, Waiter>();

  constructor(private readonly options: KeepAliveOptions) {}

  /** Keeps `link` alive once; rejects (TIMEOUT or DISCONNECTED) when the link looks dead. */
  async check(link: Link): Promise<void> {
    const now = this.options.timers.now();
    const last = this.refreshedAt.get(link) ?? link.openedAt;
    if (!this.options.heartbeat || this.pingOnly.has(link) || now - last >= this.options.refreshEveryMs) {
      await this.refresh(link);
      return;
    }
    const outcome = await this.heartbeat(link);
    if (outcome === 'answered') return;
    if (outcome === 'unsupported') this.pingOnly.add(link);
    // Unanswered or unsupported: a ping decides whether the link is alive.
    await this.refresh(link);
  }

  /** A frame that may answer a heartbeat: the `heartbeat` event, or a reply to the heartbeat's id. */
  onHeartbeatEvent(link: Link): void {
    this.waiters.get(link)?.settle('answered');
  }

  /** True when the reply was the answer to a heartbeat (and so is no one else's business). */
  onReply(link: Link, reply: { id: string | null; ok: boolean }): boolean {
    if (reply.id !== HEARTBEAT_REQUEST_ID) return false;
    // Only a server without the route answers the id: it routed the frame to `$default`.
    this.waiters.get(link)?.settle(reply.ok ? 'answered' : 'unsupported');
    return true;
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
