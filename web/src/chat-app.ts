import {
  type ConversationState,
  directConversationId,
  ImClient,
  isImError,
  LocalStorageAdapter,
  type Message,
  type OutboxEntry,
  type PresenceInfo,
} from '../../client/src/index.js';
import { type Child, h, replaceChildren } from './dom.js';
import { bodyText, conversationName, parseUsers, preview, systemText, time } from './format.js';

export interface ChatAppOptions {
  root: HTMLElement;
  userId: string;
  deviceId: string;
  /** The WebSocket endpoint (the page's origin on the local cloud). */
  url: string;
  onSignOut: () => void;
}

interface SystemLine {
  seq: number;
  ts: number;
  text: string;
}

type Row = { kind: 'message'; message: Message } | { kind: 'system'; line: SystemLine } | { kind: 'pending'; entry: OutboxEntry };

const PAGE_SIZE = 30;
const PRESENCE_REFRESH_MS = 15_000;

/** The chat once signed in: conversation list, chat view, composer. Renders with textContent only. */
export class ChatApp {
  readonly client: ImClient;
  private readonly me: string;
  private openId: string | undefined;
  private openToken = 0;
  /** Messages of the open conversation, by msgId. */
  private readonly messages = new Map<string, Message>();
  /** Membership changes seen in the timeline, per conversation. */
  private readonly systemLines = new Map<string, SystemLine[]>();
  /** Direct chats started here that the server does not list yet: conversationId → peer. */
  private readonly drafts = new Map<string, string>();
  private readonly reading = new Map<string, number>();
  private readonly presenceAsked = new Set<string>();
  private hasMore = false;
  private loadingOlder = false;
  private typingUsers: string[] = [];
  private presenceTimer: ReturnType<typeof setInterval> | undefined;
  private presenceSoon: ReturnType<typeof setTimeout> | undefined;
  private readonly unsubscribe: (() => void)[] = [];

  // Elements
  private readonly layout: HTMLElement;
  private readonly stateEl: HTMLElement;
  private readonly errorEl: HTMLElement;
  private readonly listEl: HTMLElement;
  private readonly chatEl: HTMLElement;
  private readonly chatHeaderEl: HTMLElement;
  private readonly membersEl: HTMLElement;
  private readonly addMemberForm: HTMLFormElement;
  private readonly messagesEl: HTMLElement;
  private readonly rowsEl: HTMLElement;
  private readonly loadOlderButton: HTMLButtonElement;
  private readonly typingEl: HTMLElement;
  private readonly composerInput: HTMLInputElement;

  constructor(private readonly options: ChatAppOptions) {
    this.me = options.userId;
    const user = encodeURIComponent(options.userId);
    this.client = new ImClient({
      url: options.url,
      userId: options.userId,
      deviceId: options.deviceId,
      token: async () => {
        const response = await fetch(`/dev/token?user=${user}`, { cache: 'no-store' });
        if (!response.ok) throw new Error(`dev token: HTTP ${response.status}`);
        return ((await response.json()) as { token: string }).token;
      },
      // Per tab (sessionStorage) and per device prefix: two tabs never share an outbox.
      storage: new LocalStorageAdapter({ backend: sessionStorage, prefix: `imweb:${options.deviceId}:` }),
      messageCacheSize: 20,
    });

    // ---- Static skeleton ----
    this.stateEl = h('span', { class: 'conn', testid: 'connection-state' }, 'connecting');
    this.errorEl = h('div', { class: 'error-bar', testid: 'error', attrs: { role: 'alert', hidden: '' } });
    this.listEl = h('ul', { class: 'conversations', testid: 'conversation-list' });

    const newChatInput = h('input', { testid: 'new-chat-input', attrs: { placeholder: 'User name', autocapitalize: 'none', spellcheck: 'false', 'aria-label': 'Start a chat with' } });
    const newChatForm = h(
      'form',
      {
        class: 'inline-form',
        testid: 'new-chat-form',
        on: {
          submit: (event) => {
            event.preventDefault();
            this.guard(() => {
              const [peer, ...rest] = parseUsers(newChatInput.value);
              if (!peer || rest.length > 0) throw new Error('Enter one user name');
              if (peer === this.me) throw new Error('That is you');
              newChatInput.value = '';
              const conversationId = directConversationId(this.me, peer);
              if (!this.client.conversation(conversationId)) this.drafts.set(conversationId, peer);
              void this.open(conversationId);
            });
          },
        },
      },
      newChatInput,
      h('button', { testid: 'new-chat-button', attrs: { type: 'submit' } }, 'Chat'),
    );

    const groupTitle = h('input', { testid: 'group-title-input', attrs: { placeholder: 'Group name', maxlength: '100', 'aria-label': 'Group name' } });
    const groupMembers = h('input', { testid: 'group-members-input', attrs: { placeholder: 'Members: bob, carol', autocapitalize: 'none', spellcheck: 'false', 'aria-label': 'Members' } });
    const groupForm = h(
      'form',
      {
        class: 'group-form',
        testid: 'new-group-form',
        on: {
          submit: (event) => {
            event.preventDefault();
            void this.guardAsync(async () => {
              const title = groupTitle.value.trim();
              if (!title) throw new Error('Give the group a name');
              const members = parseUsers(groupMembers.value).filter((member) => member !== this.me);
              const { conversationId } = await this.client.createGroup(title, members);
              groupTitle.value = '';
              groupMembers.value = '';
              groupDetails.open = false;
              await Promise.all([this.client.loadConversations(), this.client.sync()]);
              await this.open(conversationId);
            });
          },
        },
      },
      groupTitle,
      groupMembers,
      h('button', { testid: 'create-group-button', attrs: { type: 'submit' } }, 'Create group'),
    );
    const groupDetails = h('details', { class: 'new-group' }, h('summary', { testid: 'new-group-toggle' }, 'New group'), groupForm);

    const sidebar = h('aside', { class: 'sidebar', testid: 'sidebar' }, newChatForm, groupDetails, this.listEl);

    this.membersEl = h('div', { class: 'members', testid: 'chat-members' });
    const addMemberInput = h('input', { testid: 'add-member-input', attrs: { placeholder: 'Add member', autocapitalize: 'none', spellcheck: 'false', 'aria-label': 'Add member' } });
    this.addMemberForm = h(
      'form',
      {
        class: 'inline-form add-member',
        testid: 'add-member-form',
        on: {
          submit: (event) => {
            event.preventDefault();
            const conversationId = this.openId;
            if (!conversationId) return;
            void this.guardAsync(async () => {
              const members = parseUsers(addMemberInput.value);
              if (members.length === 0) throw new Error('Enter a user name');
              await this.client.addMembers(conversationId, members);
              addMemberInput.value = '';
              // The server writes the actor's own membership item without pushing it: pull it.
              await Promise.all([this.client.loadConversations(), this.client.sync()]);
            });
          },
        },
      },
      addMemberInput,
      h('button', { testid: 'add-member-button', attrs: { type: 'submit' } }, 'Add'),
    );
    this.chatHeaderEl = h('div', { class: 'chat-title' });
    const backButton = h('button', { class: 'back', testid: 'back-button', title: 'Conversations', on: { click: () => this.close() } }, '‹');
    const chatHeader = h('header', { class: 'chat-header' }, backButton, this.chatHeaderEl);

    this.loadOlderButton = h('button', { class: 'load-older', testid: 'load-older', on: { click: () => void this.loadOlder() } }, 'Load older messages');
    this.rowsEl = h('ol', { class: 'rows', testid: 'message-list' });
    this.messagesEl = h('div', { class: 'messages', testid: 'messages' }, this.loadOlderButton, this.rowsEl);
    this.typingEl = h('div', { class: 'typing', testid: 'typing-indicator', attrs: { 'aria-live': 'polite' } });

    this.composerInput = h('input', { testid: 'composer-input', attrs: { placeholder: 'Message', maxlength: '4000', autocomplete: 'off', 'aria-label': 'Message' } });
    this.composerInput.addEventListener('input', () => {
      if (this.openId && this.client.conversation(this.openId) && this.composerInput.value) void this.client.typing(this.openId).catch(() => undefined);
    });
    const composer = h(
      'form',
      {
        class: 'composer',
        testid: 'composer',
        on: {
          submit: (event) => {
            event.preventDefault();
            this.sendFromComposer();
          },
        },
      },
      this.composerInput,
      h('button', { testid: 'send-button', attrs: { type: 'submit' } }, 'Send'),
    );

    this.chatEl = h(
      'section',
      { class: 'chat', testid: 'chat' },
      h('div', { class: 'empty', testid: 'chat-empty' }, 'Pick a conversation or start a new one.'),
      h('div', { class: 'chat-body' }, chatHeader, this.addMemberForm, this.messagesEl, this.typingEl, composer),
    );

    const topbar = h(
      'header',
      { class: 'topbar' },
      h('strong', { class: 'brand' }, 'Chat'),
      h('span', { class: 'me', testid: 'me' }, this.me),
      this.stateEl,
      h('button', { class: 'signout', testid: 'signout', on: { click: () => void this.signOut() } }, 'Sign out'),
    );
    this.layout = h('div', { class: 'layout', testid: 'layout' }, topbar, this.errorEl, h('div', { class: 'panes' }, sidebar, this.chatEl));
    replaceChildren(options.root, this.layout);

    // ---- Client events ----
    const client = this.client;
    this.unsubscribe.push(
      client.on('connectionState', ({ state }) => {
        this.stateEl.textContent = state;
        this.stateEl.dataset.state = state;
        if (state === 'connected') void this.refreshPresence();
      }),
      client.on('conversationsChanged', () => this.onConversationsChanged()),
      client.on('message', ({ message }) => this.onMessage(message)),
      client.on('groupMessage', (message) => this.onMessage(message)),
      client.on('timelineItem', (item) => {
        if (item.type !== 'system' || !item.system) return;
        const conversationId = item.system.conversationId;
        if (typeof conversationId !== 'string') return;
        const lines = this.systemLines.get(conversationId) ?? [];
        if (lines.some((line) => line.seq === item.seq)) return;
        // System items carry no time: place the line after the conversation's latest message so far
        // (timeline order), which is where it happened.
        const ts = typeof item.system.ts === 'number' ? item.system.ts : (this.client.conversation(conversationId)?.lastMessage?.ts ?? 0) + 0.5;
        lines.push({ seq: item.seq, ts, text: systemText(item.system, this.me) });
        this.systemLines.set(conversationId, lines);
        if (conversationId === this.openId) this.renderMessages();
      }),
      client.on('outbox', () => {
        if (this.openId) this.renderMessages();
      }),
      client.on('typing', ({ conversationId, userIds }) => {
        if (conversationId === this.openId) {
          this.typingUsers = userIds;
          this.renderTyping();
        }
      }),
      client.on('sendFailed', ({ error }) => this.showError(`Message not sent: ${error.message || error.code}`)),
    );
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  async start(): Promise<void> {
    this.renderList();
    this.renderChat();
    await this.client.start();
    this.presenceTimer = setInterval(() => void this.refreshPresence(), PRESENCE_REFRESH_MS);
  }

  private async signOut(): Promise<void> {
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    document.removeEventListener('visibilitychange', this.onVisibility);
    clearInterval(this.presenceTimer);
    clearTimeout(this.presenceSoon);
    await this.client.stop();
    this.options.onSignOut();
  }

  private readonly onVisibility = (): void => this.markOpenRead();

  // ---- Conversations ------------------------------------------------------------------------

  private onConversationsChanged(): void {
    for (const conversationId of this.drafts.keys()) if (this.client.conversation(conversationId)) this.drafts.delete(conversationId);
    this.renderList();
    if (this.openId) {
      this.renderChatHeader();
      this.renderMessages();
      this.markOpenRead();
    }
    const unknown = this.presenceTargets().some((user) => !this.presenceAsked.has(user));
    if (unknown && this.client.connected) {
      clearTimeout(this.presenceSoon);
      this.presenceSoon = setTimeout(() => void this.refreshPresence(), 100);
    }
    const total = this.client.totalUnread;
    document.title = total > 0 ? `(${total}) Chat — ${this.me}` : `Chat — ${this.me}`;
  }

  /** The open conversation as known (or a draft direct chat). */
  private current(): Pick<ConversationState, 'conversationId' | 'kind' | 'peer' | 'title' | 'members' | 'readBy'> | undefined {
    if (!this.openId) return undefined;
    const known = this.client.conversation(this.openId);
    if (known) return known;
    const peer = this.drafts.get(this.openId);
    return peer ? { conversationId: this.openId, kind: 'direct', peer, readBy: {} } : undefined;
  }

  private async open(conversationId: string): Promise<void> {
    const token = ++this.openToken;
    this.openId = conversationId;
    this.messages.clear();
    this.hasMore = false;
    this.typingUsers = this.client.typingUsers(conversationId);
    this.layout.classList.add('chat-open');
    this.renderList();
    this.renderChat();
    this.composerInput.focus();

    for (const message of await this.client.cachedMessages(conversationId)) this.messages.set(message.msgId, message);
    if (token !== this.openToken) return;
    this.renderMessages(true);
    if (this.client.conversation(conversationId)) {
      try {
        const page = await this.client.history(conversationId, { limit: PAGE_SIZE });
        if (token !== this.openToken) return;
        for (const message of page.items) this.messages.set(message.msgId, message);
        this.hasMore = page.hasMore;
      } catch (error) {
        if (token === this.openToken) this.showError(`Could not load messages: ${errorText(error)}`);
      }
    }
    if (token !== this.openToken) return;
    this.renderMessages(true);
    this.markOpenRead();
    void this.refreshPresence();
  }

  private close(): void {
    this.openToken++;
    this.openId = undefined;
    this.layout.classList.remove('chat-open');
    this.renderList();
    this.renderChat();
  }

  private async loadOlder(): Promise<void> {
    const conversationId = this.openId;
    if (!conversationId || this.loadingOlder || !this.hasMore) return;
    const token = this.openToken;
    const oldest = Math.min(...[...this.messages.values()].map((message) => message.conversationSeq));
    this.loadingOlder = true;
    this.loadOlderButton.disabled = true;
    try {
      const page = await this.client.history(conversationId, { before: oldest, limit: PAGE_SIZE });
      if (token !== this.openToken) return;
      for (const message of page.items) this.messages.set(message.msgId, message);
      this.hasMore = page.hasMore;
      this.renderMessages(false, true);
    } catch (error) {
      this.showError(`Could not load older messages: ${errorText(error)}`);
    } finally {
      this.loadingOlder = false;
      this.loadOlderButton.disabled = false;
    }
  }

  private onMessage(message: Message): void {
    // Someone who just wrote is likely online: refresh the dots if we thought otherwise.
    if (message.from !== this.me && this.client.presenceOf(message.from)?.online !== true && this.client.connected && this.presenceTargets().includes(message.from)) {
      clearTimeout(this.presenceSoon);
      this.presenceSoon = setTimeout(() => void this.refreshPresence(), 100);
    }
    if (message.conversationId !== this.openId) return;
    this.messages.set(message.msgId, message);
    this.typingUsers = this.client.typingUsers(message.conversationId);
    this.renderTyping();
    this.renderMessages();
  }

  /** Opening a conversation (and new messages while it is open and the tab visible) marks it read. */
  private markOpenRead(): void {
    const conversationId = this.openId;
    if (!conversationId || document.visibilityState === 'hidden') return;
    const conversation = this.client.conversation(conversationId);
    if (!conversation || conversation.unread === 0) return;
    const upTo = Math.max(conversation.lastMessage?.conversationSeq ?? 0, conversation.latestSeq ?? 0);
    if ((this.reading.get(conversationId) ?? 0) >= upTo) return;
    this.reading.set(conversationId, upTo);
    this.client.markRead(conversationId, upTo).then(
      () => this.reading.delete(conversationId),
      (error: unknown) => {
        this.reading.delete(conversationId);
        if (!isImError(error) || (error.code !== 'DISCONNECTED' && error.code !== 'TIMEOUT')) this.showError(`Could not mark read: ${errorText(error)}`);
      },
    );
  }

  private sendFromComposer(): void {
    const conversation = this.current();
    const text = this.composerInput.value;
    if (!conversation || !text.trim()) return;
    this.composerInput.value = '';
    const body = { kind: 'text' as const, text };
    const destination = conversation.kind === 'direct' && conversation.peer ? { to: conversation.peer } : { conversationId: conversation.conversationId };
    // The outbox keeps it (and retries) until acknowledged; failures arrive as `sendFailed`.
    this.client.send({ ...destination, body }).catch(() => undefined);
    this.renderMessages(true);
  }

  // ---- Presence -----------------------------------------------------------------------------

  private presenceTargets(): string[] {
    const users = new Set<string>();
    for (const conversation of this.client.conversations) if (conversation.kind === 'direct' && conversation.peer) users.add(conversation.peer);
    const open = this.current();
    if (open?.peer) users.add(open.peer);
    for (const member of open?.members ?? []) users.add(member);
    users.delete(this.me);
    return [...users].slice(0, 100);
  }

  private async refreshPresence(): Promise<void> {
    const users = this.presenceTargets();
    if (users.length === 0 || !this.client.connected) return;
    for (const user of users) this.presenceAsked.add(user);
    try {
      await this.client.presence(users);
    } catch {
      return; // Shown again at the next refresh.
    }
    this.renderList();
    this.renderChatHeader();
  }

  private presenceDot(userId: string): HTMLElement {
    const info: PresenceInfo | undefined = this.client.presenceOf(userId);
    const online = info?.online === true;
    const title = online ? `${userId} is online` : info?.lastSeen ? `${userId} was last seen ${new Date(info.lastSeen).toLocaleString()}` : `${userId} is offline`;
    return h('span', { class: `dot ${online ? 'online' : 'offline'}`, testid: 'presence-dot', title, attrs: { 'data-online': String(online), 'data-user': userId } });
  }

  // ---- Rendering ----------------------------------------------------------------------------

  private renderList(): void {
    const conversations = this.client.conversations;
    const items: Child[] = [];
    for (const [conversationId, peer] of this.drafts) {
      if (!conversations.some((c) => c.conversationId === conversationId)) {
        items.push(this.listItem({ conversationId, kind: 'direct', peer, unread: 0, readUpTo: 0, readBy: {} }));
      }
    }
    for (const conversation of conversations) items.push(this.listItem(conversation));
    if (items.length === 0) items.push(h('li', { class: 'list-empty' }, 'No conversations yet.'));
    replaceChildren(this.listEl, ...items);
  }

  private listItem(conversation: ConversationState): HTMLElement {
    const active = conversation.conversationId === this.openId;
    const icon = conversation.kind === 'direct' && conversation.peer ? this.presenceDot(conversation.peer) : h('span', { class: 'group-icon', title: 'Group' }, '#');
    return h(
      'li',
      { testid: 'conversation-item', attrs: { 'data-conversation-id': conversation.conversationId, 'data-unread': String(conversation.unread) } },
      h(
        'button',
        { class: `conversation${active ? ' active' : ''}`, on: { click: () => void this.open(conversation.conversationId) } },
        icon,
        h(
          'span',
          { class: 'conversation-text' },
          h('span', { class: 'conversation-top' }, h('span', { class: 'name', testid: 'conversation-name' }, conversationName(conversation)), conversation.lastMessage ? h('time', {}, time(conversation.lastMessage.ts)) : null),
          h(
            'span',
            { class: 'conversation-bottom' },
            h('span', { class: 'preview', testid: 'conversation-preview' }, preview(conversation.lastMessage, this.me, conversation.kind)),
            conversation.unread > 0 ? h('span', { class: 'badge', testid: 'unread-badge', title: `${conversation.unread} unread` }, conversation.unread > 99 ? '99+' : conversation.unread) : null,
          ),
        ),
      ),
    );
  }

  private renderChat(): void {
    this.chatEl.classList.toggle('has-conversation', this.openId !== undefined);
    this.renderChatHeader();
    this.renderMessages(true);
    this.renderTyping();
  }

  private renderChatHeader(): void {
    const conversation = this.current();
    if (!conversation) {
      replaceChildren(this.chatHeaderEl);
      replaceChildren(this.membersEl);
      this.addMemberForm.hidden = true;
      return;
    }
    const isGroup = conversation.kind === 'group';
    const sub: Child[] = [];
    if (isGroup) {
      const members = conversation.members ?? [];
      replaceChildren(
        this.membersEl,
        ...members.map((member) => h('span', { class: 'member', testid: 'member', attrs: { 'data-user': member } }, member === this.me ? h('span', { class: 'dot self' }) : this.presenceDot(member), member === this.me ? `${member} (you)` : member)),
      );
      sub.push(this.membersEl);
    } else if (conversation.peer) {
      const online = this.client.presenceOf(conversation.peer)?.online === true;
      sub.push(h('span', { class: 'sub', testid: 'peer-status' }, online ? 'online' : 'offline'));
    }
    replaceChildren(
      this.chatHeaderEl,
      isGroup ? h('span', { class: 'group-icon' }, '#') : conversation.peer ? this.presenceDot(conversation.peer) : null,
      h('span', { class: 'chat-title-text' }, h('h2', { testid: 'chat-title' }, conversationName(conversation)), ...sub),
    );
    this.addMemberForm.hidden = !isGroup;
  }

  private rows(): Row[] {
    const conversationId = this.openId;
    if (!conversationId) return [];
    const messages = [...this.messages.values()].sort((a, b) => a.conversationSeq - b.conversationSeq);
    const oldestTs = this.hasMore && messages[0] ? messages[0].ts : -Infinity;
    const lines = (this.systemLines.get(conversationId) ?? []).filter((line) => line.ts >= oldestTs).sort((a, b) => a.ts - b.ts || a.seq - b.seq);
    const rows: Row[] = [];
    let next = 0;
    for (const message of messages) {
      while (next < lines.length && lines[next]!.ts <= message.ts) rows.push({ kind: 'system', line: lines[next++]! });
      rows.push({ kind: 'message', message });
    }
    while (next < lines.length) rows.push({ kind: 'system', line: lines[next++]! });
    const delivered = new Set(messages.map((message) => message.clientMsgId));
    for (const entry of this.client.outbox) {
      const target = entry.conversationId ?? (entry.to ? directConversationId(this.me, entry.to) : undefined);
      if (target === conversationId && !delivered.has(entry.clientMsgId)) rows.push({ kind: 'pending', entry });
    }
    return rows;
  }

  /** Re-renders the open conversation; keeps the scroll position (or sticks to the bottom). */
  private renderMessages(toBottom = false, keepFromBottom = false): void {
    const el = this.messagesEl;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
    const fromBottom = el.scrollHeight - el.scrollTop;
    const conversation = this.current();
    const readBy = conversation?.readBy ?? {};
    const isGroup = conversation?.kind === 'group';
    const rows = this.rows().map((row) => {
      if (row.kind === 'system') return h('li', { class: 'system', testid: 'system-message' }, row.line.text);
      if (row.kind === 'pending') {
        return h(
          'li',
          { class: 'message mine pending', testid: 'message', attrs: { 'data-pending': 'true', 'data-from': this.me } },
          h('span', { class: 'bubble' }, h('span', { class: 'text', testid: 'message-text' }, bodyText(row.entry.body)), h('span', { class: 'meta' }, h('span', { class: 'receipt', testid: 'receipt', title: row.entry.status }, '🕓 sending'))),
        );
      }
      const message = row.message;
      const mine = message.from === this.me;
      let receipt: HTMLElement | null = null;
      if (mine) {
        const readers = Object.entries(readBy)
          .filter(([user, upTo]) => user !== this.me && upTo >= message.conversationSeq)
          .map(([user]) => user)
          .sort();
        const text = readers.length === 0 ? '✓' : isGroup ? `✓✓ Read by ${readers.join(', ')}` : '✓✓ Read';
        receipt = h('span', { class: `receipt${readers.length ? ' read' : ''}`, testid: 'receipt', title: readers.length ? `Read by ${readers.join(', ')}` : 'Sent' }, text);
      }
      return h(
        'li',
        { class: `message ${mine ? 'mine' : 'theirs'}`, testid: 'message', attrs: { 'data-seq': String(message.conversationSeq), 'data-from': message.from, 'data-msg-id': message.msgId } },
        h(
          'span',
          { class: 'bubble' },
          isGroup && !mine ? h('span', { class: 'from', testid: 'message-from' }, message.from) : null,
          h('span', { class: 'text', testid: 'message-text' }, bodyText(message.body)),
          h('span', { class: 'meta' }, h('time', { title: new Date(message.ts).toLocaleString() }, time(message.ts)), receipt),
        ),
      );
    });
    if (this.openId && rows.length === 0) rows.push(h('li', { class: 'system' }, 'No messages yet. Say hello!'));
    replaceChildren(this.rowsEl, ...rows);
    this.loadOlderButton.hidden = !this.hasMore;
    if (keepFromBottom) el.scrollTop = el.scrollHeight - fromBottom;
    else if (toBottom || atBottom) el.scrollTop = el.scrollHeight;
  }

  private renderTyping(): void {
    const users = this.typingUsers.filter((user) => user !== this.me);
    this.typingEl.textContent = users.length === 0 ? '' : users.length === 1 ? `${users[0]} is typing…` : `${users.join(', ')} are typing…`;
    this.typingEl.classList.toggle('active', users.length > 0);
  }

  // ---- Errors -------------------------------------------------------------------------------

  private errorTimer: ReturnType<typeof setTimeout> | undefined;

  private showError(text: string): void {
    this.errorEl.textContent = text;
    this.errorEl.hidden = false;
    clearTimeout(this.errorTimer);
    this.errorTimer = setTimeout(() => (this.errorEl.hidden = true), 6000);
  }

  private guard(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.showError(errorText(error));
    }
  }

  private async guardAsync(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.showError(errorText(error));
    }
  }
}

const errorText = (error: unknown): string => (isImError(error) ? `${error.code}${error.message ? `: ${error.message}` : ''}` : error instanceof Error ? error.message : String(error));
