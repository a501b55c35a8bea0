import { CatchUpLoop } from './catch-up.js';
import { errorCode } from './errors.js';
import { OrderedStream } from './ordered-stream.js';
import type { PersistedValue } from './persisted-value.js';
import type { Message, SyncConversationResult } from './protocol.js';
import type { Sleeper } from './timers.js';

export interface LargeGroupsDeps {
  cursors: PersistedValue<Record<string, number>>;
  /** Per group, the change position up to which every change is applied (`syncConversation`'s `changesAfter`). */
  changeCursors: PersistedValue<Record<string, number>>;
  syncConversation(conversationId: string, after: number, limit: number, changesAfter?: number): Promise<SyncConversationResult>;
  connected(): boolean;
  sleeper: Sleeper;
  pageSize: number;
  stallDelay: { baseMs: number; maxMs: number };
  /** How many recent messages to fetch for a large group seen for the first time. */
  initialBackfill: number;
  /** Called once per message of a large group, in conversationSeq order. */
  apply(message: Message): void;
  /** A message of the group changed (its current state; the caller keeps the highest version). */
  applyChange(message: Message): void;
  error(error: unknown): void;
}

interface Tracked {
  stream: OrderedStream<Message>;
  loop: CatchUpLoop;
  /** Last known latest conversationSeq on the server. */
  latest: number;
}

/**
 * Large groups (read fan-out): messages are not in the user's timeline. Per group, the highest
 * contiguous conversationSeq held is kept (persisted) and caught up with `syncConversation` on a
 * `groupMessage` gap and whenever the conversation list shows a newer `latestSeq`.
 */
export class LargeGroups {
  private readonly groups = new Map<string, Tracked>();
  private stored: Record<string, number> = {};
  private changeCursors: Record<string, number> = {};

  constructor(private readonly deps: LargeGroupsDeps) {}

  async load(): Promise<void> {
    const [stored, changes] = await Promise.all([this.deps.cursors.load(), this.deps.changeCursors.load()]);
    this.stored = stored && typeof stored === 'object' ? { ...stored } : {};
    this.changeCursors = changes && typeof changes === 'object' ? { ...changes } : {};
  }

  /** The highest contiguous conversationSeq held per tracked group. */
  cursors(): Record<string, number> {
    const result: Record<string, number> = { ...this.stored };
    for (const [id, group] of this.groups) result[id] = group.stream.cursor;
    return result;
  }

  isTracked(conversationId: string): boolean {
    return this.groups.has(conversationId) || conversationId in this.stored;
  }

  /** A `groupMessage` push (or the reply to our own send to a large group). */
  offer(message: Message): void {
    const group = this.track(message.conversationId, message.conversationSeq);
    group.latest = Math.max(group.latest, message.conversationSeq);
    if (group.stream.offer(message.conversationSeq, message) === 'buffered') void group.loop.trigger();
  }

  /** The conversation list says the group is at `latestSeq`: catch up if we are behind. */
  noteLatest(conversationId: string, latestSeq: number): Promise<void> {
    const group = this.track(conversationId, latestSeq + 1);
    group.latest = Math.max(group.latest, latestSeq);
    return group.stream.cursor < group.latest ? group.loop.trigger() : Promise.resolve();
  }

  /** Catches up every tracked group: messages it is behind on, and the changes made while this device was away. */
  catchUpAll(): void {
    for (const group of this.groups.values()) void group.loop.trigger();
  }

  forget(conversationId: string): void {
    this.groups.get(conversationId)?.loop.stop();
    this.groups.delete(conversationId);
    delete this.stored[conversationId];
    delete this.changeCursors[conversationId];
    this.persist();
    this.deps.changeCursors.set({ ...this.changeCursors });
  }

  stop(): void {
    for (const group of this.groups.values()) group.loop.stop();
  }

  /** The tracker of a group; a group seen for the first time starts `initialBackfill` before `firstSeen`. */
  private track(conversationId: string, firstSeen: number): Tracked {
    const existing = this.groups.get(conversationId);
    if (existing) return existing;
    const stored = this.stored[conversationId];
    const cursor = typeof stored === 'number' ? stored : Math.max(0, firstSeen - 1 - this.deps.initialBackfill);
    const stream: OrderedStream<Message> = new OrderedStream<Message>(cursor, (_seq, message) => {
      this.persist();
      this.deps.apply(message);
    });
    const group: Tracked = {
      stream,
      latest: cursor,
      loop: new CatchUpLoop({
        fetchPage: async () => {
          const after = stream.cursor;
          // Changes of messages held: from the change cursor on (a group seen for the first time
          // starts at the newest change, since the messages it is given are in their current state).
          const changesAfter = this.changeCursors[conversationId];
          const page = await this.deps.syncConversation(conversationId, after, this.deps.pageSize, changesAfter);
          group.latest = Math.max(group.latest, page.latest);
          for (const message of page.items) stream.offer(message.conversationSeq, message);
          for (const message of page.changes ?? []) if (message.conversationSeq <= stream.cursor) this.deps.applyChange(message);
          const changeCursor = changesAfter === undefined ? (page.latestChange ?? 0) : (page.changesUpTo ?? changesAfter);
          const changesProgressed = changeCursor !== changesAfter;
          this.changeCursors[conversationId] = changeCursor;
          if (changesProgressed) this.deps.changeCursors.set({ ...this.changeCursors });
          const changesBehind = page.latestChange !== undefined && changeCursor < page.latestChange;
          return { progressed: stream.cursor > after || (changesProgressed && changesAfter !== undefined), hasMore: page.hasMore || changesBehind, gapRemains: stream.buffered > 0 };
        },
        connected: this.deps.connected,
        sleeper: this.deps.sleeper,
        stallDelay: this.deps.stallDelay,
        maxGapPasses: 5,
        abandonGap: () => stream.clearBuffer(),
        failed: (error) => {
          // No longer a member: stop tracking the group.
          if (errorCode(error) === 'FORBIDDEN' || errorCode(error) === 'NOT_FOUND') this.forget(conversationId);
          this.deps.error(error);
        },
      }),
    };
    this.groups.set(conversationId, group);
    this.persist();
    return group;
  }

  private persist(): void {
    this.deps.cursors.set(this.cursors());
  }
}
