import type { Message } from '../../client/src/index.js';
import type { AppContext } from './context.js';
import { h } from './dom.js';
import { bodyText, conversationName } from './format.js';
import { isMutedNow } from './views/mute-menu.js';

/**
 * Browser notifications (the Notification API) for new messages from others while the tab is
 * hidden: the web page's stand-in for a phone's push notification. Only messages sent after the
 * page started (not history caught up by sync), not in muted conversations; one per conversation
 * on screen (`tag`), and a click opens the conversation.
 */
export class BrowserNotifications {
  /** "Enable notifications": shown until the user answered the browser's permission prompt. */
  readonly button = h('button', { class: 'notify', testid: 'enable-notifications', title: 'Show a notification for new messages while this tab is hidden' }, 'Enable notifications');
  private readonly since = Date.now();

  constructor(
    private readonly context: AppContext,
    private readonly open: (conversationId: string) => void,
  ) {
    this.button.addEventListener('click', () => void this.askPermission());
    this.updateButton();
  }

  private get api(): typeof Notification | undefined {
    return typeof Notification === 'undefined' ? undefined : Notification;
  }

  private updateButton(): void {
    this.button.hidden = this.api?.permission !== 'default';
  }

  private async askPermission(): Promise<void> {
    await this.api?.requestPermission();
    this.updateButton();
  }

  messageArrived(message: Message): void {
    const api = this.api;
    if (!api || api.permission !== 'granted' || document.visibilityState !== 'hidden') return;
    if (message.from === this.context.me || message.ts < this.since) return;
    const conversation = this.context.client.conversation(message.conversationId);
    if (isMutedNow(conversation?.mutedUntil)) return;
    const group = message.conversationId.startsWith('g:');
    const title = conversation ? conversationName(conversation) : message.from;
    const notification = new api(title, { body: group ? `${message.from}: ${bodyText(message.body)}` : bodyText(message.body), tag: message.conversationId });
    notification.onclick = () => {
      window.focus();
      this.open(message.conversationId);
      notification.close();
    };
  }
}
