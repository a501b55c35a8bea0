import { isImError, type Message } from '../../../client/src/index.js';
import { type AppContext, errorText } from '../context.js';
import { h } from '../dom.js';
import type { Drafts } from '../drafts.js';
import { OpenChat, type ShownConversation } from '../open-chat.js';
import type { SystemLines } from '../system-lines.js';
import { ChatHeader } from './chat-header.js';
import { Composer } from './composer.js';
import { GroupPanel } from './group-panel.js';
import { MessageList, type Scroll } from './message-list.js';
import { TypingIndicator } from './typing-indicator.js';

const PAGE_SIZE = 30;

export interface ChatViewDeps {
  drafts: Drafts;
  systemLines: SystemLines;
  /** A conversation was opened or closed (the list highlights it, the layout switches panes on phones). */
  openChanged(conversationId: string | undefined): void;
}

/**
 * The chat pane: header, group panel, message list, typing indicator, composer. Owns which
 * conversation is open, loads its history, and marks it read while it is open and visible.
 */
export class ChatView {
  readonly element: HTMLElement;
  private readonly chat = new OpenChat();
  private readonly header: ChatHeader;
  private readonly group: GroupPanel;
  private readonly list: MessageList;
  private readonly typing: TypingIndicator;
  private readonly composer: Composer;
  /** Read positions being sent, per conversation (not sent twice). */
  private readonly reading = new Map<string, number>();
  private typingUsers: string[] = [];

  constructor(
    private readonly context: AppContext,
    private readonly deps: ChatViewDeps,
  ) {
    this.header = new ChatHeader(context, () => this.close());
    this.group = new GroupPanel(context);
    const changeFailed = (what: string) => (error: unknown) => context.showError(`Could not ${what}: ${errorText(error)}`);
    this.list = new MessageList(context, this.chat, deps.systemLines, () => this.loadOlder(), {
      reply: (message) => this.composer.replyTo(message),
      edit: (message) => this.composer.edit(message),
      recall: (message) => void context.client.recall(message.conversationId, message.conversationSeq).catch(changeFailed('delete the message')),
      deleteForMe: (message) => {
        void context.client.deleteForMe(message.conversationId, [message.conversationSeq]).catch(changeFailed('delete the message'));
        this.renderMessages();
      },
      react: (message, emoji, on) => void context.client.react(message.conversationId, message.conversationSeq, emoji, on).catch(changeFailed('react')),
      report: (message, reason) =>
        void context.client.report(message.conversationId, message.conversationSeq, reason).then(
          () => context.showError('Message reported. Thank you.'),
          changeFailed('report the message'),
        ),
      show: (conversationSeq) => this.show(conversationSeq),
    });
    this.typing = new TypingIndicator(context.me);
    this.composer = new Composer(context, () => this.current(), () => this.renderMessages('bottom'));
    this.element = h(
      'section',
      { class: 'chat', testid: 'chat' },
      h('div', { class: 'empty', testid: 'chat-empty' }, 'Pick a conversation or start a new one.'),
      h('div', { class: 'chat-body' }, this.header.element, this.group.form, this.group.settings, this.list.element, this.typing.element, this.composer.element),
    );
    this.composer.attach.acceptDrops(this.element);
  }

  get openId(): string | undefined {
    return this.chat.id;
  }

  /** The open conversation as known (or a draft direct chat). */
  current(): ShownConversation | undefined {
    const id = this.chat.id;
    if (!id) return undefined;
    const known = this.context.client.conversation(id);
    if (known) return known;
    const peer = this.deps.drafts.peer(id);
    return peer ? { conversationId: id, kind: 'direct', peer, readBy: {} } : undefined;
  }

  /** The people this pane shows (for presence). */
  people(): string[] {
    const open = this.current();
    return [...(open?.peer ? [open.peer] : []), ...(open?.members ?? [])];
  }

  async open(conversationId: string): Promise<void> {
    const { client } = this.context;
    const generation = this.chat.open(conversationId);
    this.composer.cancel();
    this.typingUsers = client.typingUsers(conversationId);
    this.deps.openChanged(conversationId);
    this.render();
    this.composer.focus();

    this.chat.add(await client.cachedMessages(conversationId));
    if (!this.chat.isCurrent(generation)) return;
    this.renderMessages('bottom');
    if (client.conversation(conversationId)) {
      try {
        const page = await client.history(conversationId, { limit: PAGE_SIZE });
        if (!this.chat.isCurrent(generation)) return;
        this.chat.add(page.items);
        this.chat.hasMore = page.hasMore;
      } catch (error) {
        if (this.chat.isCurrent(generation)) this.context.showError(`Could not load messages: ${errorText(error)}`);
      }
    }
    if (!this.chat.isCurrent(generation)) return;
    this.renderMessages('bottom');
    this.markRead();
  }

  close(): void {
    this.chat.close();
    this.deps.openChanged(undefined);
    this.render();
  }

  // ---- What the app shell forwards from the SDK ----

  conversationsChanged(): void {
    if (!this.chat.id) return;
    this.renderHeader();
    this.renderMessages();
    this.markRead();
  }

  messageArrived(message: Message): void {
    if (message.conversationId !== this.chat.id) return;
    this.chat.add([message]);
    this.typingUsers = this.context.client.typingUsers(message.conversationId);
    this.typing.render(this.typingUsers);
    this.renderMessages();
  }

  /** A message changed (edit, recall, reaction): shown in place. */
  messageUpdated(message: Message): void {
    if (message.conversationId !== this.chat.id) return;
    this.chat.add([message]);
    this.renderMessages();
  }

  /** Scrolls to a message of the open chat and flashes it (a reply's quote leads here); loads older pages until it is there. */
  async show(conversationSeq: number): Promise<void> {
    const generation = this.chat.generation;
    for (let page = 0; page < 20 && ![...this.chat.messages.values()].some((message) => message.conversationSeq === conversationSeq) && this.chat.hasMore; page++) {
      await this.loadOlder();
      if (!this.chat.isCurrent(generation)) return;
    }
    const row = this.list.element.querySelector<HTMLElement>(`[data-testid="message"][data-seq="${conversationSeq}"]`);
    if (!row) return;
    row.scrollIntoView({ block: 'center' });
    row.classList.remove('flash');
    void row.offsetWidth;
    row.classList.add('flash');
  }

  typingChanged(conversationId: string, userIds: string[]): void {
    if (conversationId !== this.chat.id) return;
    this.typingUsers = userIds;
    this.typing.render(userIds);
  }

  /** The outbox or the membership lines changed. */
  rowsChanged(conversationId?: string): void {
    if (this.chat.id && (conversationId === undefined || conversationId === this.chat.id)) this.renderMessages();
  }

  presenceChanged(): void {
    this.renderHeader();
  }

  /** Opening a conversation (and new messages while it is open and the tab visible) marks it read. */
  markRead(): void {
    const conversationId = this.chat.id;
    const { client } = this.context;
    if (!conversationId || document.visibilityState === 'hidden') return;
    const conversation = client.conversation(conversationId);
    if (!conversation || conversation.unread === 0) return;
    const upTo = Math.max(conversation.lastMessage?.conversationSeq ?? 0, conversation.latestSeq ?? 0);
    if ((this.reading.get(conversationId) ?? 0) >= upTo) return;
    this.reading.set(conversationId, upTo);
    client.markRead(conversationId, upTo).then(
      () => this.reading.delete(conversationId),
      (error: unknown) => {
        this.reading.delete(conversationId);
        if (!isImError(error) || (error.code !== 'DISCONNECTED' && error.code !== 'TIMEOUT')) this.context.showError(`Could not mark read: ${errorText(error)}`);
      },
    );
  }

  render(): void {
    this.element.classList.toggle('has-conversation', this.chat.id !== undefined);
    this.renderHeader();
    this.renderMessages('bottom');
    this.typing.render(this.typingUsers);
  }

  private renderHeader(): void {
    const conversation = this.current();
    this.group.render(conversation);
    this.header.render(conversation, this.group.members);
    this.composer.render(conversation);
  }

  private renderMessages(scroll: Scroll = 'keep'): void {
    this.list.render(this.current(), scroll);
  }

  private async loadOlder(): Promise<void> {
    const conversationId = this.chat.id;
    if (!conversationId || this.chat.loadingOlder || !this.chat.hasMore) return;
    const generation = this.chat.generation;
    const oldest = Math.min(...[...this.chat.messages.values()].map((message) => message.conversationSeq));
    this.chat.loadingOlder = true;
    try {
      const page = await this.context.client.history(conversationId, { before: oldest, limit: PAGE_SIZE });
      if (!this.chat.isCurrent(generation)) return;
      this.chat.add(page.items);
      this.chat.hasMore = page.hasMore;
      this.renderMessages('keepFromBottom');
    } catch (error) {
      this.context.showError(`Could not load older messages: ${errorText(error)}`);
    } finally {
      this.chat.loadingOlder = false;
    }
  }
}
