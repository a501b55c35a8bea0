import { h } from '../dom.js';

const SHOWN_MS = 6_000;

/** A one-line error banner that hides itself after a few seconds. */
export class ErrorBar {
  readonly element = h('div', { class: 'error-bar', testid: 'error', attrs: { role: 'alert', hidden: '' } });
  private timer: ReturnType<typeof setTimeout> | undefined;

  show(text: string): void {
    this.element.textContent = text;
    this.element.hidden = false;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => (this.element.hidden = true), SHOWN_MS);
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
