import type { ImClient } from '../../../client/src/index.js';
import { h } from '../dom.js';

/** The online/offline dot of a user, from the last known presence. */
export function presenceDot(client: ImClient, userId: string): HTMLElement {
  const info = client.presenceOf(userId);
  const online = info?.online === true;
  const title = online ? `${userId} is online` : info?.lastSeen ? `${userId} was last seen ${new Date(info.lastSeen).toLocaleString()}` : `${userId} is offline`;
  return h('span', { class: `dot ${online ? 'online' : 'offline'}`, testid: 'presence-dot', title, attrs: { 'data-online': String(online), 'data-user': userId } });
}
