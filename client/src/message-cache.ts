import type { Message } from './protocol.js';
import type { JsonValue, StorageAdapter } from './storage.js';

/**
 * The latest `limit` messages of each conversation, in conversationSeq order, in the store (one
 * key per conversation). Loaded lazily; updates of one conversation are applied one at a time and
 * a burst of them is written once.
 */
export class MessageCache {
  private readonly loaded = new Map<string, Message[]>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();

  constructor(
    private readonly store: StorageAdapter,
    private readonly keyOf: (conversationId: string) => string,
    private readonly limit: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  add(message: Message): void {
    if (this.limit <= 0) return;
    void this.enqueue(message.conversationId, async (messages) => {
      if (messages.some((held) => held.conversationSeq === message.conversationSeq)) return false;
      messages.push(message);
      messages.sort((a, b) => a.conversationSeq - b.conversationSeq);
      if (messages.length > this.limit) messages.splice(0, messages.length - this.limit);
      return true;
    });
  }

  /** Replaces a cached message with its newer state (a change); nothing when it is not cached. */
  replace(message: Message): void {
    if (this.limit <= 0) return;
    void this.enqueue(message.conversationId, async (messages) => {
      const index = messages.findIndex((held) => held.conversationSeq === message.conversationSeq);
      if (index < 0 || (messages[index]!.version ?? 1) >= (message.version ?? 1)) return false;
      messages[index] = message;
      return true;
    });
  }

  /** Drops messages the user hid (deleteForMe). */
  remove(conversationId: string, conversationSeqs: readonly number[]): void {
    if (this.limit <= 0) return;
    const hidden = new Set(conversationSeqs);
    void this.enqueue(conversationId, async (messages) => {
      const before = messages.length;
      for (let index = messages.length - 1; index >= 0; index--) if (hidden.has(messages[index]!.conversationSeq)) messages.splice(index, 1);
      return messages.length !== before;
    });
  }

  /** The cached messages of a conversation, oldest first. */
  async get(conversationId: string): Promise<Message[]> {
    let result: Message[] = [];
    await this.enqueue(conversationId, async (messages) => {
      result = messages.map((message) => ({ ...message }));
      return false;
    });
    return result;
  }

  /** Waits for every pending write. */
  async flush(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  /** Runs `update` on the conversation's list (loading it first); persists when it returns true. */
  private enqueue(conversationId: string, update: (messages: Message[]) => Promise<boolean>): Promise<void> {
    const previous = this.chains.get(conversationId) ?? Promise.resolve();
    const next: Promise<void> = previous.then(async () => {
      try {
        let messages = this.loaded.get(conversationId);
        if (!messages) {
          const stored = await this.store.get(this.keyOf(conversationId));
          messages = Array.isArray(stored) ? (stored as unknown as Message[]) : [];
          this.loaded.set(conversationId, messages);
        }
        if (await update(messages)) this.dirty.add(conversationId);
        // A burst of updates is written once, by the last one queued.
        if (this.dirty.has(conversationId) && this.chains.get(conversationId) === next) {
          this.dirty.delete(conversationId);
          await this.store.set(this.keyOf(conversationId), messages as unknown as JsonValue);
        }
      } catch (error) {
        this.onError(error);
      }
    });
    this.chains.set(conversationId, next);
    void next.then(() => {
      if (this.chains.get(conversationId) === next) this.chains.delete(conversationId);
    });
    return next;
  }
}
