import type { PersistedValue } from './persisted-value.js';
import type { Message } from './protocol.js';

/** Messages hidden per conversation that are remembered (a conversation with more forgets the oldest). */
const HIDDEN_PER_CONVERSATION = 2_000;

/**
 * What the client knows about messages beyond their arrival: the newest `version` seen of each
 * (a change is applied only when it is newer, whatever order pushes, `update` items and
 * `syncConversation` changes arrive in), and which messages the user hid with `deleteForMe`
 * (persisted: a later change of a hidden message must not bring it back).
 */
export class MessageStates {
  private readonly versions = new Map<string, number>();
  private hidden: Record<string, number[]> = {};

  constructor(
    private readonly stored: PersistedValue<Record<string, number[]>>,
    private readonly capacity = 20_000,
  ) {}

  async load(): Promise<void> {
    const value = await this.stored.load();
    if (value && typeof value === 'object') for (const [id, seqs] of Object.entries(value)) if (Array.isArray(seqs)) this.hidden[id] = seqs.filter((seq) => typeof seq === 'number');
  }

  /** Records the state of a message; true when it is newer than any seen before (version absent = 1). */
  newer(message: Message): boolean {
    const key = `${message.conversationId}#${message.conversationSeq}`;
    const version = message.version ?? 1;
    const known = this.versions.get(key);
    if (known !== undefined && known >= version) return false;
    this.versions.delete(key);
    this.versions.set(key, version);
    if (this.versions.size > this.capacity) this.versions.delete(this.versions.keys().next().value!);
    return true;
  }

  isHidden(conversationId: string, conversationSeq: number): boolean {
    return this.hidden[conversationId]?.includes(conversationSeq) ?? false;
  }

  /** Hides these messages; returns the ones that were not hidden yet. */
  hide(conversationId: string, conversationSeqs: readonly number[]): number[] {
    const held = this.hidden[conversationId] ?? [];
    const added = [...new Set(conversationSeqs)].filter((seq) => !held.includes(seq));
    if (added.length === 0) return [];
    this.hidden[conversationId] = [...held, ...added].slice(-HIDDEN_PER_CONVERSATION);
    this.stored.set({ ...this.hidden });
    return added;
  }

  hiddenIn(conversationId: string): number[] {
    return [...(this.hidden[conversationId] ?? [])];
  }
}
