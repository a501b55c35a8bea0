import type { Message } from '@serverless-im/protocol';

/**
 * A message as its reader sees it after hiding it with `deleteForMe`: where it is and who sent it,
 * none of what it says (the message itself is unchanged for everyone else).
 */
export function asDeletedForMe(message: Message): Message {
  const { body: _body, mentions: _mentions, editedAt: _editedAt, reactions: _reactions, ...kept } = message;
  return { ...kept, deletedForMe: true };
}

/** The messages with those the reader hid marked `deletedForMe`. */
export const markDeletedForMe = (messages: readonly Message[], hidden: ReadonlySet<number>): Message[] =>
  hidden.size === 0 ? [...messages] : messages.map((message) => (hidden.has(message.conversationSeq) ? asDeletedForMe(message) : message));
