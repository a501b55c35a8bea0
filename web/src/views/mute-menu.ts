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

/** What the conversation menu offers: mute (a listed conversation), block (a direct conversation's peer). */
export interface MenuTarget {
  /** A conversation with messages (muting needs one). */
  conversationId?: string;
  mutedUntil?: number;
  /** Direct conversations: the other member, whom the menu blocks or unblocks. */
  peer?: string;
}

/**
 * The conversation menu of the chat header: mute for a while, or unmute (notifications on this
 * user's devices); in a direct conversation, block or unblock the peer.
 */
export class MuteMenu {
  readonly element = h('details', { class: 'conversation-menu', testid: 'conversation-menu' });

  constructor(private readonly context: AppContext) {}

  render(target: MenuTarget): void {
    const { conversationId, mutedUntil, peer } = target;
    if (!conversationId && !peer) {
      replaceChildren(this.element);
      return;
    }
    const act = (action: () => Promise<unknown>) => (): void => {
      this.element.open = false;
      void guarded(this.context, async () => {
        await action();
      });
    };
    const choose = (until: number | null) => act(() => this.context.client.mute(conversationId!, until));
    const muted = isMutedNow(mutedUntil);
    const muteItems = !conversationId
      ? []
      : muted
        ? [h('button', { testid: 'unmute', on: { click: choose(null) } }, 'Unmute notifications')]
        : CHOICES.map((choice) => h('button', { testid: choice.testid, on: { click: choose(choice.forMs === null ? FOREVER : Date.now() + choice.forMs) } }, choice.label));
    const blocked = peer !== undefined && this.context.client.isBlocked(peer);
    const blockItems = peer === undefined
      ? []
      : blocked
        ? [h('button', { testid: 'unblock-user', on: { click: act(() => this.context.client.unblock(peer)) } }, `Unblock ${peer}`)]
        : [h('button', { testid: 'block-user', on: { click: act(() => this.context.client.block(peer)) } }, `Block ${peer}`)];
    replaceChildren(
      this.element,
      h('summary', { class: 'menu-button', testid: 'conversation-menu-button', title: 'Conversation menu' }, muted ? '🔕' : '⋯'),
      h('div', { class: 'menu' }, ...muteItems, ...blockItems),
    );
  }
}
