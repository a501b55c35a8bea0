import { type ConversationKind, type ConversationSummary, describeConversationId, type Message } from './protocol.js';

/** A conversation as the client keeps it up to date. */
export interface ConversationState {
  conversationId: string;
  kind: ConversationKind;
  peer?: string;
  title?: string;
  /** Groups: this user's role (the owner and admins may recall anyone's message, update the group, remove members). */
  role?: 'owner' | 'admin' | 'member';
  /** Groups: the owner's user id. */
  owner?: string;
  /** Groups that list `members`: the admins among them. */
  admins?: string[];
  /** Groups: only the owner and admins may send (grey out a member's composer). */
  onlyAdminsSend?: boolean;
  /** Groups: only the owner and admins may add members. */
  onlyAdminsAdd?: boolean;
  members?: string[];
  large?: boolean;
  /** Large groups: the latest conversationSeq known. */
  latestSeq?: number;
  lastMessage?: Message;
  /** Messages from others after `readUpTo`. */
  unread: number;
  /** This user's read position (conversationSeq), across all their devices. */
  readUpTo: number;
  /** Read receipts: how far each other member has read, as far as this client has seen. */
  readBy: Record<string, number>;
  /** Set while this user muted the conversation's push notifications (epoch ms). */
  mutedUntil?: number;
  /** Delivered receipts: how far a device of each other member has received (`delivered` events; direct: also the list's `deliveredUpTo`). */
  deliveredBy: Record<string, number>;
}

interface Entry {
  state: Omit<ConversationState, 'unread'>;
  /**
   * Unread is kept exact without knowing every message: `baseline` is the server's count for
   * messages up to `head` (the last conversationSeq in the latest snapshot); `extra` holds the
   * conversationSeqs of unread messages from others after `head` seen since.
   */
  baseline: number;
  head: number;
  extra: Set<number>;
  /** Snapshot generation that last saw or touched this conversation. */
  generation: number;
  /** The server listed it (a page); false for one known only from messages while pages are missing. */
  listed: boolean;
}

/**
 * The conversation list: loaded with `conversations`, then kept current from incoming messages
 * (unread, lastMessage; own messages mark read), `read` events (own devices move `readUpTo`,
 * peers fill `readBy`) and local `read` calls. `totalUnread` is the sum of `unread`, plus, while
 * later pages of the list are not loaded, the server's count of their unread.
 */
export class ConversationStore {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;
  private notifyScheduled = false;
  /** Set when an update could not be kept exact: the client should reload the list. */
  staleSince: number | undefined;
  /**
   * Unread in conversations the server has not listed to this client yet (later pages): the
   * server's `totalUnread` less what the loaded entries count, as of the latest reply.
   */
  private unlisted = 0;
  /** Where the next page of the list starts, while the server says there is more (`conversations` pages). */
  nextCursor: string | undefined;

  constructor(
    private readonly userId: string,
    private readonly changed: (list: ConversationState[]) => void,
  ) {}

  /** Newest activity first. */
  list(): ConversationState[] {
    return [...this.entries.values()]
      .map((entry) => this.view(entry))
      .sort((a, b) => (b.lastMessage?.ts ?? 0) - (a.lastMessage?.ts ?? 0) || a.conversationId.localeCompare(b.conversationId));
  }

  get(conversationId: string): ConversationState | undefined {
    const entry = this.entries.get(conversationId);
    return entry ? this.view(entry) : undefined;
  }

  has(conversationId: string): boolean {
    return this.entries.has(conversationId);
  }

  /** Every conversation's unread: the loaded ones' and, while pages are not loaded, the server's count of the rest. */
  get totalUnread(): number {
    return this.listedUnread() + this.unlisted;
  }

  /**
   * While later pages are missing, a conversation the server has not listed is counted in the
   * server's total of the rest, not by its local guess (messages seen, read state unknown).
   */
  private listedUnread(): number {
    let total = 0;
    for (const entry of this.entries.values()) if (entry.listed || this.nextCursor === undefined) total += unreadOf(entry);
    return total;
  }

  /**
   * The server's `totalUnread` (a `conversations` or `read` reply): what the loaded entries do not
   * account for belongs to conversations not loaded yet. Nothing when every conversation is loaded.
   */
  applyServerTotal(totalUnread: number): void {
    this.unlisted = this.nextCursor === undefined ? 0 : Math.max(0, totalUnread - this.listedUnread());
    this.notify();
  }

  /** Marks the start of a `conversations` request; pass the result to `applySnapshot`. */
  beginSnapshot(): number {
    return ++this.generation;
  }

  /**
   * Replaces the list with the server's; conversations first seen after the request started are
   * kept. A first page (`page.hasMore`) replaces only what it covers: held conversations older
   * than its last item stay (they belong to later pages).
   */
  applySnapshot(generation: number, items: ConversationSummary[], page: { hasMore?: boolean; cursor?: string; totalUnread?: number } = {}): void {
    this.applyItems(generation, items);
    const oldest = items.at(-1)?.lastMessage?.ts ?? 0;
    const seen = new Set(items.map((item) => item.conversationId));
    for (const [conversationId, entry] of this.entries) {
      const covered = !page.hasMore || (entry.state.lastMessage?.ts ?? 0) >= oldest;
      if (!seen.has(conversationId) && entry.generation < generation && covered) this.entries.delete(conversationId);
    }
    this.nextCursor = page.hasMore ? page.cursor : undefined;
    if (generation === this.generation) this.staleSince = undefined;
    if (page.totalUnread !== undefined) this.applyServerTotal(page.totalUnread);
    this.notify();
  }

  /** A later page of the list (`conversations` with the cursor): its conversations join the list. */
  applyPage(items: ConversationSummary[], page: { hasMore?: boolean; cursor?: string; totalUnread: number }): void {
    this.applyItems(this.generation, items);
    this.nextCursor = page.hasMore ? page.cursor : undefined;
    this.applyServerTotal(page.totalUnread);
  }

  private applyItems(generation: number, items: ConversationSummary[]): void {
    for (const item of items) {
      const entry = this.entry(item.conversationId);
      entry.listed = true;
      const state = entry.state;
      state.kind = item.kind;
      for (const key of ['peer', 'title', 'role', 'owner', 'admins', 'onlyAdminsSend', 'onlyAdminsAdd', 'members', 'large', 'latestSeq', 'mutedUntil'] as const) {
        if (item[key] !== undefined) (state as Record<string, unknown>)[key] = item[key];
        else if (key !== 'latestSeq') delete state[key];
      }
      if (item.lastMessage && (!state.lastMessage || item.lastMessage.conversationSeq >= state.lastMessage.conversationSeq)) state.lastMessage = item.lastMessage;
      if (item.latestSeq !== undefined) state.latestSeq = Math.max(state.latestSeq ?? 0, item.latestSeq);
      state.readUpTo = Math.max(state.readUpTo, item.readUpTo);
      if (item.deliveredUpTo !== undefined && state.peer) state.deliveredBy[state.peer] = Math.max(state.deliveredBy[state.peer] ?? 0, item.deliveredUpTo);
      entry.head = Math.max(item.lastMessage?.conversationSeq ?? 0, item.latestSeq ?? 0);
      entry.baseline = item.unread;
      entry.extra = new Set([...entry.extra].filter((seq) => seq > entry.head && seq > state.readUpTo));
      entry.generation = generation;
    }
  }

  /** A message reached this client (timeline or large group). Returns true if the list needs a reload to learn about its conversation. */
  applyMessage(message: Message): boolean {
    const isNew = !this.entries.has(message.conversationId);
    const entry = this.entry(message.conversationId);
    const state = entry.state;
    if (!state.lastMessage || message.conversationSeq >= state.lastMessage.conversationSeq) state.lastMessage = message;
    if (state.large) state.latestSeq = Math.max(state.latestSeq ?? 0, message.conversationSeq);
    if (message.from === this.userId) {
      // Sending marks the sender's conversation read up to that message.
      this.moveRead(entry, message.conversationSeq);
    } else {
      state.readBy[message.from] = Math.max(state.readBy[message.from] ?? 0, message.conversationSeq);
      if (message.conversationSeq > state.readUpTo && message.conversationSeq > entry.head) entry.extra.add(message.conversationSeq);
    }
    this.notify();
    return isNew && state.kind === 'group';
  }

  /** A `read` event: this user on another device, or another member (a read receipt). */
  applyRead(event: { conversationId: string; userId: string; upTo: number }): void {
    const entry = this.entries.get(event.conversationId);
    if (!entry) return;
    if (event.userId === this.userId) this.moveRead(entry, event.upTo);
    else entry.state.readBy[event.userId] = Math.max(entry.state.readBy[event.userId] ?? 0, event.upTo);
    this.notify();
  }

  /** A `delivered` event: a device of another member has the conversation up to `upTo`. */
  applyDelivered(event: { conversationId: string; userId: string; upTo: number }): void {
    const entry = this.entries.get(event.conversationId);
    if (!entry || event.userId === this.userId) return;
    entry.state.deliveredBy[event.userId] = Math.max(entry.state.deliveredBy[event.userId] ?? 0, event.upTo);
    this.notify();
  }

  /**
   * A message changed (edit, recall, reaction): the last message shows its new state. A recall of
   * a message counted unread makes the count inexact: true when the list should be reloaded.
   */
  applyUpdate(message: Message): boolean {
    const entry = this.entries.get(message.conversationId);
    if (!entry) return false;
    const state = entry.state;
    if (state.lastMessage?.conversationSeq === message.conversationSeq && (message.version ?? 1) >= (state.lastMessage.version ?? 1)) state.lastMessage = message;
    let stale = false;
    if (message.recalled && message.from !== this.userId && message.conversationSeq > state.readUpTo) {
      if (!entry.extra.delete(message.conversationSeq)) stale = true;
    }
    if (stale) this.staleSince ??= this.generation;
    this.notify();
    return stale;
  }

  /** This client read up to `upTo` (optimistically, before the server's reply). */
  markRead(conversationId: string, upTo: number): void {
    const entry = this.entries.get(conversationId);
    if (!entry) return;
    this.moveRead(entry, upTo);
    this.notify();
  }

  /** This user muted (a time) or unmuted (null) the conversation. */
  setMutedUntil(conversationId: string, mutedUntil: number | null): void {
    const entry = this.entries.get(conversationId);
    if (!entry) return;
    if (mutedUntil === null) delete entry.state.mutedUntil;
    else entry.state.mutedUntil = mutedUntil;
    this.notify();
  }

  clear(): void {
    this.entries.clear();
    this.unlisted = 0;
    this.nextCursor = undefined;
    this.notify();
  }

  private moveRead(entry: Entry, upTo: number): void {
    if (upTo <= entry.state.readUpTo) return;
    entry.state.readUpTo = upTo;
    for (const seq of entry.extra) if (seq <= upTo) entry.extra.delete(seq);
    if (upTo >= entry.head) entry.baseline = 0;
    else if (entry.baseline > 0) {
      // Some of the snapshot's unread messages are now read; how many is not known here.
      entry.baseline = Math.min(entry.baseline, entry.head - upTo);
      this.staleSince ??= this.generation;
    }
  }

  private entry(conversationId: string): Entry {
    let entry = this.entries.get(conversationId);
    if (!entry) {
      const described = describeConversationId(conversationId);
      const peer = described.members?.find((member) => member !== this.userId);
      entry = {
        state: { conversationId, kind: described.kind, ...(peer ? { peer } : {}), readUpTo: 0, readBy: {}, deliveredBy: {} },
        baseline: 0,
        head: 0,
        extra: new Set(),
        generation: this.generation,
        listed: false,
      };
      this.entries.set(conversationId, entry);
    }
    entry.generation = Math.max(entry.generation, this.generation);
    return entry;
  }

  private view(entry: Entry): ConversationState {
    return { ...entry.state, readBy: { ...entry.state.readBy }, deliveredBy: { ...entry.state.deliveredBy }, ...(entry.state.members ? { members: [...entry.state.members] } : {}), unread: unreadOf(entry) };
  }

  /** One change event per burst of updates. */
  private notify(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    void Promise.resolve().then(() => {
      this.notifyScheduled = false;
      this.changed(this.list());
    });
  }
}

const unreadOf = (entry: Entry): number => entry.baseline + entry.extra.size;
