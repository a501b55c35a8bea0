import type { Message } from '../../client/src/index.js';
import type { AppContext } from './context.js';

const REFRESH_MS = 15_000;

/**
 * Keeps the presence dots current: asks the server about the people on screen (direct-chat
 * peers, the open chat's members) every 15 s, soon after someone new appears, and when someone
 * we thought offline writes.
 */
export class PresenceRefresher {
  private readonly asked = new Set<string>();
  private interval: ReturnType<typeof setInterval> | undefined;
  private soonTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly context: AppContext,
    /** The users on screen (besides the list's peers). */
    private readonly onScreen: () => string[],
    private readonly refreshed: () => void,
  ) {}

  start(): void {
    this.interval = setInterval(() => void this.refresh(), REFRESH_MS);
  }

  stop(): void {
    clearInterval(this.interval);
    clearTimeout(this.soonTimer);
  }

  async refresh(): Promise<void> {
    const { client } = this.context;
    const users = this.targets();
    if (users.length === 0 || !client.connected) return;
    for (const user of users) this.asked.add(user);
    try {
      await client.presence(users);
    } catch {
      return; // Shown again at the next refresh.
    }
    this.refreshed();
  }

  /** The list or the open chat changed: ask soon about anyone not asked about yet. */
  targetsChanged(): void {
    if (this.targets().some((user) => !this.asked.has(user)) && this.context.client.connected) this.soon();
  }

  /** Someone who just wrote is likely online: refresh the dots if we thought otherwise. */
  messageFrom(message: Message): void {
    const { client, me } = this.context;
    if (message.from !== me && client.presenceOf(message.from)?.online !== true && client.connected && this.targets().includes(message.from)) this.soon();
  }

  private soon(): void {
    clearTimeout(this.soonTimer);
    this.soonTimer = setTimeout(() => void this.refresh(), 100);
  }

  private targets(): string[] {
    const users = new Set<string>();
    for (const conversation of this.context.client.conversations) if (conversation.kind === 'direct' && conversation.peer) users.add(conversation.peer);
    for (const user of this.onScreen()) users.add(user);
    users.delete(this.context.me);
    return [...users].slice(0, 100);
  }
}
