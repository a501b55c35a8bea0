import { type AttachmentBody, directConversationId, type Message, type OutboxEntry, type UploadEntry } from '../../../client/src/index.js';
import type { AppContext } from '../context.js';
import { h, replaceChildren } from '../dom.js';
import { bodyText } from '../format.js';
import type { OpenChat, ShownConversation } from '../open-chat.js';
import type { SystemLine, SystemLines } from '../system-lines.js';
import { AttachmentViews, fileSize } from './attachment-view.js';
import { messageRow, type RowActions } from './message-row.js';

type Row =
  | { kind: 'message'; message: Message }
  | { kind: 'system'; line: SystemLine }
  | { kind: 'pending'; entry: OutboxEntry }
  | { kind: 'upload'; entry: UploadEntry };

const hasAttachment = (message: Message): message is Message & { body: AttachmentBody } => message.body !== undefined && 'attachmentId' in message.body;

export type Scroll = 'keep' | 'bottom' | 'keepFromBottom';

/** The open chat's rows: messages with receipts, membership lines in timeline order, messages still in the outbox; "load older" on top. */
export class MessageList {
  readonly element: HTMLElement;
  private readonly rows = h('ol', { class: 'rows', testid: 'message-list' });
  private readonly loadOlderButton: HTMLButtonElement;
  private readonly attachments: AttachmentViews;
  private openMenu: number | undefined;
  private lastShown: ShownConversation | undefined;

  constructor(
    private readonly context: AppContext,
    private readonly chat: OpenChat,
    private readonly systemLines: SystemLines,
    loadOlder: () => Promise<void>,
    private readonly actions: RowActions,
  ) {
    this.attachments = new AttachmentViews(context);
    this.loadOlderButton = h(
      'button',
      {
        class: 'load-older',
        testid: 'load-older',
        on: {
          click: () => {
            this.loadOlderButton.disabled = true;
            void loadOlder().finally(() => (this.loadOlderButton.disabled = false));
          },
        },
      },
      'Load older messages',
    );
    this.element = h('div', { class: 'messages', testid: 'messages' }, this.loadOlderButton, this.rows);
  }

  /** Re-renders; `keep` sticks to the bottom if it was there, `keepFromBottom` holds the view while older rows come in above. */
  render(conversation: ShownConversation | undefined, scroll: Scroll = 'keep'): void {
    const el = this.element;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
    const fromBottom = el.scrollHeight - el.scrollTop;
    const me = this.context.me;
    const isGroup = conversation?.kind === 'group';
    const bySeq = new Map(this.chat.sorted().map((message) => [message.conversationSeq, message]));
    if (conversation?.conversationId !== this.lastShown?.conversationId) this.openMenu = undefined;
    this.lastShown = conversation;
    const rowContext = {
      client: this.context.client,
      me,
      isGroup,
      mayRecallAny: isGroup && (conversation?.role === 'owner' || conversation?.role === 'admin'),
      readBy: conversation?.readBy ?? {},
      bySeq,
      actions: this.actions,
      openMenu: this.openMenu,
      attachmentOf: (message: Message) => (hasAttachment(message) ? this.attachments.of(message) : null),
      toggleMenu: (conversationSeq: number | undefined) => {
        this.openMenu = conversationSeq;
        this.render(this.lastShown);
      },
    };
    const items = this.collect().map((row) => {
      if (row.kind === 'system') return h('li', { class: 'system', testid: 'system-message' }, row.line.text);
      if (row.kind === 'upload') return this.uploadRow(row.entry);
      if (row.kind === 'pending') {
        return h(
          'li',
          { class: 'message mine pending', testid: 'message', attrs: { 'data-pending': 'true', 'data-from': me } },
          h('span', { class: 'bubble' }, h('span', { class: 'text', testid: 'message-text' }, bodyText(row.entry.body)), h('span', { class: 'meta' }, h('span', { class: 'receipt', testid: 'receipt', title: row.entry.status }, '🕓 sending'))),
        );
      }
      return messageRow(rowContext, row.message);
    });
    if (this.chat.id && items.length === 0) items.push(h('li', { class: 'system' }, 'No messages yet. Say hello!'));
    replaceChildren(this.rows, ...items);
    this.loadOlderButton.hidden = !this.chat.hasMore;
    if (scroll === 'keepFromBottom') el.scrollTop = el.scrollHeight - fromBottom;
    else if (scroll === 'bottom' || atBottom) el.scrollTop = el.scrollHeight;
  }

  private collect(): Row[] {
    const conversationId = this.chat.id;
    if (!conversationId) return [];
    const messages = this.chat.sorted().filter((message) => !this.context.client.isHidden(conversationId, message.conversationSeq) && !message.deletedForMe);
    const oldestTs = this.chat.hasMore && messages[0] ? messages[0].ts : -Infinity;
    const lines = this.systemLines
      .of(conversationId)
      .filter((line) => line.ts >= oldestTs)
      .sort((a, b) => a.ts - b.ts || a.seq - b.seq);
    const rows: Row[] = [];
    let next = 0;
    for (const message of messages) {
      while (next < lines.length && lines[next]!.ts <= message.ts) rows.push({ kind: 'system', line: lines[next++]! });
      rows.push({ kind: 'message', message });
    }
    while (next < lines.length) rows.push({ kind: 'system', line: lines[next++]! });
    const delivered = new Set(messages.map((message) => message.clientMsgId));
    const me = this.context.me;
    for (const entry of this.context.client.outbox) {
      const target = entry.conversationId ?? (entry.to ? directConversationId(me, entry.to) : undefined);
      if (target === conversationId && !delivered.has(entry.clientMsgId)) rows.push({ kind: 'pending', entry });
    }
    for (const entry of this.context.client.uploads) {
      const target = 'conversationId' in entry.destination ? entry.destination.conversationId : directConversationId(me, entry.destination.to);
      if (target === conversationId && !delivered.has(entry.clientMsgId) && !rows.some((row) => row.kind === 'pending' && row.entry.clientMsgId === entry.clientMsgId)) {
        rows.push({ kind: 'upload', entry });
      }
    }
    return rows;
  }

  /** An attachment on its way: name, a progress bar while uploading, Retry and Discard once failed. */
  private uploadRow(entry: UploadEntry): HTMLElement {
    const { client } = this.context;
    const failed = entry.status === 'failed';
    const status = failed ? `Not sent${entry.error ? ` (${entry.error.reason ?? entry.error.code})` : ''}` : entry.status === 'uploading' ? 'Uploading…' : 'Sending…';
    return h(
      'li',
      { class: `message mine pending upload${failed ? ' failed' : ''}`, testid: 'upload', attrs: { 'data-status': entry.status, 'data-client-msg-id': entry.clientMsgId } },
      h(
        'span',
        { class: 'bubble' },
        h('span', { class: 'file-chip' }, h('span', { class: 'file-icon' }, '📎'), h('span', { class: 'file-name' }, entry.name), h('span', { class: 'file-size' }, fileSize(entry.size))),
        h('progress', { class: 'upload-progress', testid: 'upload-progress', attrs: { max: String(entry.total), value: String(entry.loaded) } }),
        h('span', { class: 'meta', testid: 'upload-status' }, status),
        failed
          ? h(
              'span',
              { class: 'upload-actions' },
              h('button', { testid: 'upload-retry', attrs: { type: 'button' }, on: { click: () => void client.retryAttachment(entry.clientMsgId).catch(() => undefined) } }, 'Retry'),
              h('button', { testid: 'upload-discard', attrs: { type: 'button' }, on: { click: () => client.discardAttachment(entry.clientMsgId) } }, 'Discard'),
            )
          : null,
      ),
    );
  }
}
