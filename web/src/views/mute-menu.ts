import { guarded, type AppContext } from '../context.js';
import { h, replaceChildren } from '../dom.js';

const HOUR = 3_600_000;
/** "Until I turn it back on": the protocol's latest time. */
const FOREVER = 8_640_000_000_000_000;

const CHOICES: { label: string; testid: string; forMs: number | null }[] = [
  { label: 'Mute for 1 hour', testid: 'mute-1h', forMs: HOUR },
  { label: 'Mute for 8 hours', testid: 'mute-8h', forMs: 8 * HOUR },
  { label: 'Mute for 1 week', testid: 'mute-1w', forMs: 7 * 24 * HOUR },
  { label: 'Mute until I turn it back on', testid: 'mute-always', forMs: null },
];

export const isMutedNow = (mutedUntil: number | undefined): boolean => mutedUntil !== undefined && mutedUntil > Date.now();

/** The conversation menu of the chat header: mute for a while, or unmute (notifications on this user's devices). */
export class MuteMenu {
  readonly element = h('details', { class: 'conversation-menu', testid: 'conversation-menu' });

  constructor(private readonly context: AppContext) {}

  render(conversationId: string | undefined, mutedUntil: number | undefined): void {
    if (!conversationId) {
      replaceChildren(this.element);
      return;
    }
    const choose = (until: number | null) => (): void => {
      this.element.open = false;
      void guarded(this.context, async () => {
        await this.context.client.mute(conversationId, until);
      });
    };
    const muted = isMutedNow(mutedUntil);
    replaceChildren(
      this.element,
      h('summary', { class: 'menu-button', testid: 'conversation-menu-button', title: 'Conversation menu' }, muted ? '🔕' : '⋯'),
      h(
        'div',
        { class: 'menu' },
        ...(muted
          ? [h('button', { testid: 'unmute', on: { click: choose(null) } }, 'Unmute notifications')]
          : CHOICES.map((choice) => h('button', { testid: choice.testid, on: { click: choose(choice.forMs === null ? FOREVER : Date.now() + choice.forMs) } }, choice.label))),
      ),
    );
  }
}
