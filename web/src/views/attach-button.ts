import type { AppContext } from '../context.js';
import { h } from '../dom.js';
import { describeFile } from '../media-preview.js';
import type { ShownConversation } from '../open-chat.js';

/**
 * Sends picked or dropped files as attachment messages through the SDK (upload, then the outbox).
 * Progress and failures show in the message list (the SDK's `uploads`).
 */
export class AttachButton {
  readonly element: HTMLElement;
  private readonly input: HTMLInputElement;

  constructor(
    private readonly context: AppContext,
    private readonly conversation: () => ShownConversation | undefined,
    private readonly started: () => void,
  ) {
    this.input = h('input', { class: 'file-input', testid: 'attach-input', attrs: { type: 'file', multiple: '', 'aria-label': 'Attach files' } });
    this.input.addEventListener('change', () => {
      void this.send([...(this.input.files ?? [])]);
      this.input.value = '';
    });
    const button = h('button', { class: 'attach', testid: 'attach-button', title: 'Attach a photo, video or file', attrs: { type: 'button' }, on: { click: () => this.input.click() } }, '📎');
    this.element = h('span', { class: 'attach-control' }, button, this.input);
  }

  /** Drag and drop onto `target` sends the dropped files to the open conversation. */
  acceptDrops(target: HTMLElement): void {
    target.addEventListener('dragover', (event) => {
      if (!this.conversation() || !event.dataTransfer?.types.includes('Files')) return;
      event.preventDefault();
      target.classList.add('dropping');
    });
    target.addEventListener('dragleave', () => target.classList.remove('dropping'));
    target.addEventListener('drop', (event) => {
      target.classList.remove('dropping');
      const files = [...(event.dataTransfer?.files ?? [])];
      if (!this.conversation() || files.length === 0) return;
      event.preventDefault();
      void this.send(files);
    });
  }

  async send(files: File[]): Promise<void> {
    const conversation = this.conversation();
    if (!conversation) return;
    const to = conversation.kind === 'direct' && conversation.peer ? conversation.peer : conversation.conversationId;
    for (const file of files) {
      const extras = await describeFile(file);
      // Failures stay in the list as a failed upload with Retry; nothing to do here.
      this.context.client.sendAttachment(to, file, { name: file.name || 'file', ...extras }).catch(() => undefined);
      this.started();
    }
  }
}
