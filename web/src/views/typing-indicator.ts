import { h } from '../dom.js';

/** "bob is typing…" under the messages. */
export class TypingIndicator {
  readonly element = h('div', { class: 'typing', testid: 'typing-indicator', attrs: { 'aria-live': 'polite' } });

  constructor(private readonly me: string) {}

  render(userIds: string[]): void {
    const users = userIds.filter((user) => user !== this.me);
    this.element.textContent = users.length === 0 ? '' : users.length === 1 ? `${users[0]} is typing…` : `${users.join(', ')} are typing…`;
    this.element.classList.toggle('active', users.length > 0);
  }
}
