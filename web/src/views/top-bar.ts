import type { ConnectionState } from '../../../client/src/index.js';
import { h } from '../dom.js';

/** Brand, who is signed in, the connection state, sign out. */
export class TopBar {
  readonly element: HTMLElement;
  private readonly state = h('span', { class: 'conn', testid: 'connection-state' }, 'connecting');
  private readonly signOutButton: HTMLElement;

  constructor(me: string, signOut: () => void) {
    this.signOutButton = h('button', { class: 'signout', testid: 'signout', on: { click: signOut } }, 'Sign out');
    this.element = h(
      'header',
      { class: 'topbar' },
      h('strong', { class: 'brand' }, 'Chat'),
      h('span', { class: 'me', testid: 'me' }, me),
      this.state,
      this.signOutButton,
    );
  }

  /** A control of another view (e.g. enabling notifications), placed before "Sign out". */
  addControl(control: HTMLElement): void {
    this.element.insertBefore(control, this.signOutButton);
  }

  showState(state: ConnectionState): void {
    this.state.textContent = state;
    this.state.dataset.state = state;
  }
}
