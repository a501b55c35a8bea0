import type { ImClient } from '../../client/src/index.js';

/** Direct chats started on this page that the server does not list yet (no message sent): conversationId → peer. */
export class Drafts {
  private readonly peers = new Map<string, string>();

  add(conversationId: string, peer: string): void {
    this.peers.set(conversationId, peer);
  }

  peer(conversationId: string): string | undefined {
    return this.peers.get(conversationId);
  }

  /** Drops the drafts the server now lists. */
  prune(client: ImClient): void {
    for (const conversationId of this.peers.keys()) if (client.conversation(conversationId)) this.peers.delete(conversationId);
  }

  entries(): [conversationId: string, peer: string][] {
    return [...this.peers];
  }
}
