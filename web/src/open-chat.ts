import type { ConversationState, Message } from '../../client/src/index.js';

/** A conversation as the chat shows it: a listed one, or a draft direct chat. */
export type ShownConversation = Pick<
  ConversationState,
  'conversationId' | 'kind' | 'peer' | 'title' | 'role' | 'owner' | 'admins' | 'onlyAdminsSend' | 'onlyAdminsAdd' | 'members' | 'readBy' | 'mutedUntil'
>;

/** Which conversation is open and what of it is loaded. Opening another one starts a new generation: late answers for the old one are dropped. */
export class OpenChat {
  id: string | undefined;
  /** Bumped on every open and close. */
  generation = 0;
  /** Loaded messages, by msgId. */
  readonly messages = new Map<string, Message>();
  /** Older pages exist on the server. */
  hasMore = false;
  loadingOlder = false;

  open(conversationId: string): number {
    this.id = conversationId;
    this.messages.clear();
    this.hasMore = false;
    return ++this.generation;
  }

  close(): void {
    this.generation++;
    this.id = undefined;
  }

  isCurrent(generation: number): boolean {
    return generation === this.generation;
  }

  /** Adds or updates messages; a state older than the one held (a lower `version`) is ignored. */
  add(messages: Iterable<Message>): void {
    for (const message of messages) {
      const held = this.messages.get(message.msgId);
      if (!held || (message.version ?? 1) >= (held.version ?? 1)) this.messages.set(message.msgId, message);
    }
  }

  /** Oldest first. */
  sorted(): Message[] {
    return [...this.messages.values()].sort((a, b) => a.conversationSeq - b.conversationSeq);
  }
}
