import type { Message } from '../../../client/src/index.js';
import { type AppContext, errorText } from '../context.js';
import { h } from '../dom.js';
import { bodyText } from '../format.js';
import type { ShownConversation } from '../open-chat.js';
import { AttachButton } from './attach-button.js';

/** What the next submit does: a new message, an answer to one (a quote), or a new text for one of ours. */
type Mode = { kind: 'new' } | { kind: 'reply'; message: Message } | { kind: 'edit'; message: Message };

/** The members a text mentions: each `@name` that names one of them. */
export function mentionsIn(text: string, members: readonly string[]): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(/@([A-Za-z0-9_.@-]{1,64})/g)) {
    const name = match[1]!.replace(/[.@-]+$/, '');
    if (members.includes(name)) found.add(name);
  }
  return [...found];
}

/** The message input: signals typing, sends through the SDK's outbox, replies with a quote, edits through the change queue. */
export class Composer {
  readonly element: HTMLFormElement;
  readonly attach: AttachButton;
  private readonly input: HTMLInputElement;
  private readonly contextBar: HTMLElement;
  private readonly contextText: HTMLElement;
  private mode: Mode = { kind: 'new' };

  constructor(
    private readonly context: AppContext,
    private readonly conversation: () => ShownConversation | undefined,
    private readonly sent: () => void,
  ) {
    this.attach = new AttachButton(context, conversation, sent);
    this.input = h('input', { testid: 'composer-input', attrs: { placeholder: 'Message', maxlength: '4000', autocomplete: 'off', 'aria-label': 'Message' } });
    this.input.addEventListener('input', () => {
      const open = this.conversation();
      if (open && context.client.conversation(open.conversationId) && this.input.value) void context.client.typing(open.conversationId).catch(() => undefined);
    });
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.cancel();
    });
    this.contextText = h('span', { class: 'composer-context-text', testid: 'composer-context-text' });
    this.contextBar = h(
      'div',
      { class: 'composer-context', testid: 'composer-context' },
      this.contextText,
      h('button', { class: 'composer-cancel', testid: 'composer-cancel', title: 'Cancel', attrs: { type: 'button' }, on: { click: () => this.cancel() } }, '✕'),
    );
    this.contextBar.hidden = true;
    this.element = h(
      'form',
      {
        class: 'composer',
        testid: 'composer',
        on: {
          submit: (event) => {
            event.preventDefault();
            this.send();
          },
        },
      },
      this.attach.element,
      this.contextBar,
      this.input,
      h('button', { testid: 'send-button', attrs: { type: 'submit' } }, 'Send'),
    );
  }

  focus(): void {
    this.input.focus();
  }

  /** Greys the composer out where the user may not send (a plain member of an `onlyAdminsSend` group). */
  render(conversation: ShownConversation | undefined): void {
    const blocked = conversation !== undefined && !this.context.client.maySend(conversation.conversationId);
    this.element.classList.toggle('disabled', blocked);
    this.element.dataset.disabled = String(blocked);
    this.input.disabled = blocked;
    for (const button of this.element.querySelectorAll('button')) button.disabled = blocked;
    this.input.placeholder = blocked ? 'Only admins can send messages' : 'Message';
  }

  /** The next message answers `message` (shown as a quote above the input). */
  replyTo(message: Message): void {
    this.setMode({ kind: 'reply', message });
  }

  /** The next submit replaces the text of `message`. */
  edit(message: Message): void {
    this.setMode({ kind: 'edit', message });
    this.input.value = message.body?.kind === 'text' ? message.body.text : '';
  }

  /** Back to a new message (also when another conversation opens). */
  cancel(): void {
    if (this.mode.kind === 'edit') this.input.value = '';
    this.setMode({ kind: 'new' });
  }

  private setMode(mode: Mode): void {
    this.mode = mode;
    this.contextBar.hidden = mode.kind === 'new';
    this.contextText.textContent = mode.kind === 'reply' ? `Replying to ${mode.message.from}: ${bodyText(mode.message.body)}` : mode.kind === 'edit' ? 'Editing message' : '';
    this.focus();
  }

  private send(): void {
    const conversation = this.conversation();
    const text = this.input.value;
    if (!conversation || !text.trim() || this.input.disabled) return;
    this.input.value = '';
    const body = { kind: 'text' as const, text };
    const mode = this.mode;
    this.setMode({ kind: 'new' });
    if (mode.kind === 'edit') {
      // The change queue keeps it (and retries) until acknowledged.
      this.context.client.edit(conversation.conversationId, mode.message.conversationSeq, body).catch((error: unknown) => this.context.showError(`Could not edit: ${errorText(error)}`));
      return;
    }
    const members = conversation.kind === 'direct' ? (conversation.peer ? [conversation.peer] : []) : (conversation.members ?? []);
    const mentions = mentionsIn(text, members.filter((member) => member !== this.context.me));
    const destination = conversation.kind === 'direct' && conversation.peer ? { to: conversation.peer } : { conversationId: conversation.conversationId };
    // The outbox keeps it (and retries) until acknowledged; failures arrive as `sendFailed`.
    this.context.client
      .send({ ...destination, body, ...(mode.kind === 'reply' ? { replyTo: mode.message.conversationSeq } : {}), ...(mentions.length > 0 ? { mentions } : {}) })
      .catch(() => undefined);
    this.sent();
  }
}
