import type { AppContext } from '../context.js';
import { type Child, h, replaceChildren } from '../dom.js';
import { conversationName } from '../format.js';
import type { ShownConversation } from '../open-chat.js';
import { MuteMenu } from './mute-menu.js';
import { presenceDot } from './presence-dot.js';

/** Back button, the conversation's name, and under it the peer's status or (groups) the member list; the conversation menu (mute, block). */
export class ChatHeader {
  readonly element: HTMLElement;
  private readonly title = h('div', { class: 'chat-title' });
  private readonly menu: MuteMenu;

  constructor(
    private readonly context: AppContext,
    back: () => void,
  ) {
    const backButton = h('button', { class: 'back', testid: 'back-button', title: 'Conversations', on: { click: back } }, '‹');
    this.menu = new MuteMenu(context);
    this.element = h('header', { class: 'chat-header' }, backButton, this.title, this.menu.element);
  }

  /** `members`: the group panel's member list, shown under a group's name. */
  render(conversation: ShownConversation | undefined, members: HTMLElement): void {
    // Muting needs a listed conversation (a draft has no messages to mute yet); blocking only a peer.
    const listed = conversation && this.context.client.conversation(conversation.conversationId) ? conversation.conversationId : undefined;
    this.menu.render({
      ...(listed ? { conversationId: listed } : {}),
      ...(conversation?.mutedUntil !== undefined ? { mutedUntil: conversation.mutedUntil } : {}),
      ...(conversation?.kind === 'direct' && conversation.peer ? { peer: conversation.peer } : {}),
    });
    if (!conversation) {
      replaceChildren(this.title);
      return;
    }
    const { client } = this.context;
    const isGroup = conversation.kind === 'group';
    const sub: Child[] = [];
    if (isGroup) sub.push(members);
    else if (conversation.peer && client.isBlocked(conversation.peer)) {
      sub.push(h('span', { class: 'sub blocked', testid: 'blocked-mark' }, 'blocked: no messages either way'));
    } else if (conversation.peer) {
      const online = client.presenceOf(conversation.peer)?.online === true;
      sub.push(h('span', { class: 'sub', testid: 'peer-status' }, online ? 'online' : 'offline'));
    }
    replaceChildren(
      this.title,
      isGroup ? h('span', { class: 'group-icon' }, '#') : conversation.peer ? presenceDot(client, conversation.peer) : null,
      h('span', { class: 'chat-title-text' }, h('h2', { testid: 'chat-title' }, conversationName(conversation)), ...sub),
    );
  }
}
