import type { ConversationState } from '../../../client/src/index.js';
import type { AppContext } from '../context.js';
import { type Child, h, replaceChildren } from '../dom.js';
import type { Drafts } from '../drafts.js';
import { conversationName, preview, time } from '../format.js';
import { isMutedNow } from './mute-menu.js';
import { presenceDot } from './presence-dot.js';

/** The conversation list, newest activity first, with drafts on top: name, last message, unread badge, muted, presence. */
export class ConversationList {
  readonly element = h('ul', { class: 'conversations', testid: 'conversation-list' });

  constructor(
    private readonly context: AppContext,
    private readonly drafts: Drafts,
    private readonly open: (conversationId: string) => void,
  ) {}

  render(openId: string | undefined): void {
    const conversations = this.context.client.conversations;
    const items: Child[] = [];
    for (const [conversationId, peer] of this.drafts.entries()) {
      if (!conversations.some((c) => c.conversationId === conversationId)) {
        items.push(this.item({ conversationId, kind: 'direct', peer, unread: 0, readUpTo: 0, readBy: {}, deliveredBy: {} }, openId));
      }
    }
    for (const conversation of conversations) items.push(this.item(conversation, openId));
    if (items.length === 0) items.push(h('li', { class: 'list-empty' }, 'No conversations yet.'));
    if (this.context.client.hasMoreConversations) items.push(this.moreButton());
    replaceChildren(this.element, ...items);
  }

  /** Older conversations come a page at a time (`conversations` pages); the list re-renders when they arrive. */
  private moreButton(): HTMLElement {
    const button = h(
      'button',
      {
        class: 'more-conversations',
        testid: 'more-conversations',
        on: {
          click: () => {
            (button as HTMLButtonElement).disabled = true;
            button.textContent = 'Loading…';
            void this.context.client.loadMoreConversations().catch(() => {
              (button as HTMLButtonElement).disabled = false;
              button.textContent = 'More';
            });
          },
        },
      },
      'More',
    );
    return h('li', { class: 'list-more' }, button);
  }

  private item(conversation: ConversationState, openId: string | undefined): HTMLElement {
    const { client, me } = this.context;
    const active = conversation.conversationId === openId;
    const icon = conversation.kind === 'direct' && conversation.peer ? presenceDot(client, conversation.peer) : h('span', { class: 'group-icon', title: 'Group' }, '#');
    const unread = conversation.unread;
    return h(
      'li',
      { testid: 'conversation-item', attrs: { 'data-conversation-id': conversation.conversationId, 'data-unread': String(unread) } },
      h(
        'button',
        { class: `conversation${active ? ' active' : ''}`, on: { click: () => this.open(conversation.conversationId) } },
        icon,
        h(
          'span',
          { class: 'conversation-text' },
          h('span', { class: 'conversation-top' }, h('span', { class: 'name', testid: 'conversation-name' }, conversationName(conversation)), conversation.lastMessage ? h('time', {}, time(conversation.lastMessage.ts)) : null),
          h(
            'span',
            { class: 'conversation-bottom' },
            h('span', { class: 'preview', testid: 'conversation-preview' }, preview(conversation.lastMessage, me, conversation.kind, conversation.lastMessage !== undefined && client.isHidden(conversation.conversationId, conversation.lastMessage.conversationSeq))),
            isMutedNow(conversation.mutedUntil) ? h('span', { class: 'muted', testid: 'muted-icon', title: 'Notifications muted' }, '🔕') : null,
            conversation.kind === 'direct' && conversation.peer && client.isBlocked(conversation.peer) ? h('span', { class: 'blocked', testid: 'blocked-icon', title: 'Blocked' }, '🚫') : null,
            unread > 0 ? h('span', { class: 'badge', testid: 'unread-badge', title: `${unread} unread` }, unread > 99 ? '99+' : unread) : null,
          ),
        ),
      ),
    );
  }
}
