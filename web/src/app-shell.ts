import { type ConnectionFailure, ImClient, LocalStorageAdapter } from '../../client/src/index.js';
import { BrowserNotifications } from './browser-notifications.js';
import type { AppContext } from './context.js';
import { h, replaceChildren } from './dom.js';
import { Drafts } from './drafts.js';
import { PresenceRefresher } from './presence.js';
import { SystemLines } from './system-lines.js';
import { ChatView } from './views/chat-view.js';
import { ConversationList } from './views/conversation-list.js';
import { ErrorBar } from './views/error-bar.js';
import { newChatForm } from './views/new-chat-form.js';
import { newGroupForm } from './views/new-group-form.js';
import { TopBar } from './views/top-bar.js';

export interface AppShellOptions {
  root: HTMLElement;
  userId: string;
  deviceId: string;
  /** The WebSocket endpoint (the page's origin on the local cloud). */
  url: string;
  token: () => Promise<string>;
  /** The user signed out. */
  signedOut(): void;
  /** The SDK gave up (terminal `failed` state): the user has to sign in again. */
  sessionEnded(failure: ConnectionFailure | undefined): void;
}

/**
 * The signed-in page: creates the SDK client and the views, and forwards the client's events to
 * the views that show them. Views never talk to each other; a new feature adds a view and a line
 * of wiring here.
 */
export class AppShell {
  readonly client: ImClient;
  private readonly context: AppContext;
  private readonly layout: HTMLElement;
  private readonly errors = new ErrorBar();
  private readonly topBar: TopBar;
  private readonly list: ConversationList;
  private readonly chat: ChatView;
  private readonly presence: PresenceRefresher;
  private readonly unsubscribe: (() => void)[] = [];
  private ended = false;

  constructor(private readonly options: AppShellOptions) {
    this.client = new ImClient({
      url: options.url,
      userId: options.userId,
      deviceId: options.deviceId,
      token: options.token,
      // Per tab (sessionStorage) and per device prefix: two tabs never share an outbox.
      storage: new LocalStorageAdapter({ backend: sessionStorage, prefix: `imweb:${options.deviceId}:` }),
      messageCacheSize: 20,
      // The list loads 50 at a time; older ones behind the list's "More" button.
      conversationPageSize: 50,
    });
    const me = options.userId;
    this.context = { client: this.client, me, showError: (text) => this.errors.show(text) };
    const drafts = new Drafts();
    const systemLines = new SystemLines(this.client, me);

    this.chat = new ChatView(this.context, {
      drafts,
      systemLines,
      openChanged: (conversationId) => {
        this.layout.classList.toggle('chat-open', conversationId !== undefined);
        this.list.render(conversationId);
        if (conversationId) void this.presence.refresh();
      },
    });
    const open = (conversationId: string): Promise<void> => this.chat.open(conversationId);
    this.list = new ConversationList(this.context, drafts, (conversationId) => void open(conversationId));
    this.presence = new PresenceRefresher(this.context, () => this.chat.people(), () => {
      this.list.render(this.chat.openId);
      this.chat.presenceChanged();
    });
    this.topBar = new TopBar(me, () => void this.signOut());
    const notifications = new BrowserNotifications(this.context, (conversationId) => void open(conversationId));
    this.topBar.addControl(notifications.button);

    const sidebar = h('aside', { class: 'sidebar', testid: 'sidebar' }, newChatForm(this.context, drafts, (id) => void open(id)), newGroupForm(this.context, open), this.list.element);
    this.layout = h('div', { class: 'layout', testid: 'layout' }, this.topBar.element, this.errors.element, h('div', { class: 'panes' }, sidebar, this.chat.element));
    replaceChildren(options.root, this.layout);

    const client = this.client;
    this.unsubscribe.push(
      client.on('connectionState', ({ state, failure }) => {
        this.topBar.showState(state);
        if (state === 'connected') void this.presence.refresh();
        if (state === 'failed') void this.end(failure);
      }),
      client.on('conversationsChanged', () => {
        drafts.prune(client);
        this.list.render(this.chat.openId);
        this.chat.conversationsChanged();
        this.presence.targetsChanged();
        const total = client.totalUnread;
        document.title = total > 0 ? `(${total}) Chat — ${me}` : `Chat — ${me}`;
      }),
      client.on('blockedChanged', () => {
        this.list.render(this.chat.openId);
        this.chat.conversationsChanged();
      }),
      client.on('message', ({ message }) => {
        this.presence.messageFrom(message);
        this.chat.messageArrived(message);
        notifications.messageArrived(message);
      }),
      client.on('groupMessage', (message) => {
        this.presence.messageFrom(message);
        this.chat.messageArrived(message);
        notifications.messageArrived(message);
      }),
      client.on('timelineItem', (item) => {
        const conversationId = systemLines.add(item);
        if (conversationId) this.chat.rowsChanged(conversationId);
      }),
      client.on('outbox', () => this.chat.rowsChanged()),
      client.on('uploads', () => this.chat.rowsChanged()),
      client.on('uploadProgress', () => this.chat.rowsChanged()),
      client.on('messageUpdated', ({ message }) => this.chat.messageUpdated(message)),
      client.on('messagesDeleted', ({ conversationId }) => this.chat.rowsChanged(conversationId)),
      client.on('delivered', ({ conversationId }) => this.chat.rowsChanged(conversationId)),
      client.on('typing', ({ conversationId, userIds }) => this.chat.typingChanged(conversationId, userIds)),
      client.on('sendFailed', ({ error }) => this.errors.show(`Message not sent: ${error.message || error.code}`)),
    );
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  async start(): Promise<void> {
    this.list.render(undefined);
    this.chat.render();
    await this.client.start();
    this.presence.start();
  }

  private readonly onVisibility = (): void => this.chat.markRead();

  private async signOut(): Promise<void> {
    await this.dispose();
    this.options.signedOut();
  }

  /** The connection reached its terminal state: stop everything and send the user to sign in again. */
  private async end(failure: ConnectionFailure | undefined): Promise<void> {
    await this.dispose();
    this.options.sessionEnded(failure);
  }

  private async dispose(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.presence.stop();
    this.errors.dispose();
    await this.client.stop();
  }
}
