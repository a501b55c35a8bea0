import type { Timers } from './timers.js';
import { Timer } from './timers.js';

export interface DeliveryAcksDeps {
  timers: Timers;
  /** How long to gather pushes before acknowledging them (one request per conversation per burst). */
  delayMs: number;
  send(conversationId: string, upTo: number): Promise<unknown>;
  connected(): boolean;
  error(error: unknown): void;
}

/**
 * Acknowledges pushed messages with the `delivered` action, so their senders see "delivered": a
 * burst of pushes in a conversation becomes one request for the newest of them (one write on the
 * server), never one per message. Messages that came through `sync` need none: the server records
 * those itself. An acknowledgement that fails is kept and sent again after the next connect.
 */
export class DeliveryAcks {
  private readonly pending = new Map<string, number>();
  private readonly timer: Timer;

  constructor(private readonly deps: DeliveryAcksDeps) {
    this.timer = new Timer(deps.timers);
  }

  /** A message from someone else reached this device by push. */
  note(conversationId: string, conversationSeq: number): void {
    this.pending.set(conversationId, Math.max(this.pending.get(conversationId) ?? 0, conversationSeq));
    if (!this.timer.active) this.timer.start(this.deps.delayMs, () => void this.flush());
  }

  /** Sends what is pending now (also after every connect). */
  async flush(): Promise<void> {
    this.timer.cancel();
    if (!this.deps.connected()) return;
    const batch = [...this.pending];
    this.pending.clear();
    await Promise.all(
      batch.map(async ([conversationId, upTo]) => {
        try {
          await this.deps.send(conversationId, upTo);
        } catch (error) {
          const code = (error as { code?: string }).code;
          // Not a member any more (or a bad id): nothing to acknowledge. Otherwise try again later.
          if (code !== 'FORBIDDEN' && code !== 'BAD_REQUEST') this.pending.set(conversationId, Math.max(this.pending.get(conversationId) ?? 0, upTo));
          this.deps.error(error);
        }
      }),
    );
  }

  stop(): void {
    this.timer.cancel();
  }
}
