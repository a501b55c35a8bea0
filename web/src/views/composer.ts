import type { AppContext } from '../context.js';
import { h } from '../dom.js';
import type { ShownConversation } from '../open-chat.js';
import { AttachButton } from './attach-button.js';

/** The message input: signals typing, sends through the SDK's outbox. */
export class Composer {
  readonly element: HTMLFormElement;
  readonly attach: AttachButton;
  private readonly input: HTMLInputElement;

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
      this.input,
      h('button', { testid: 'send-button', attrs: { type: 'submit' } }, 'Send'),
    );
  }

  focus(): void {
    this.input.focus();
  }

  private send(): void {
    const conversation = this.conversation();
    const text = this.input.value;
    if (!conversation || !text.trim()) return;
    this.input.value = '';
    const body = { kind: 'text' as const, text };
    const destination = conversation.kind === 'direct' && conversation.peer ? { to: conversation.peer } : { conversationId: conversation.conversationId };
    // The outbox keeps it (and retries) until acknowledged; failures arrive as `sendFailed`.
    this.context.client.send({ ...destination, body }).catch(() => undefined);
    this.sent();
  }
}
