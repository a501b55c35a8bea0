import { type Body, MAX_REACTIONS_PER_MESSAGE, MAX_REACTIONS_PER_USER } from '@serverless-im/protocol';
import { TooLargeError } from '../errors/request-errors.js';
import { type MessageRecord, versionOf } from '../storage/conversations/index.js';

/** A change a member asks for. */
export type MessageChange = { kind: 'edit'; body: Body } | { kind: 'recall' } | { kind: 'react'; emoji: string; on: boolean };

/** JSON with sorted keys, so two bodies compare by content. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const sameBody = (a: Body | undefined, b: Body): boolean => a !== undefined && canonical(a) === canonical(b);

/**
 * Recalling keeps where the message is and who sent it, and nothing of what it said. A large-group
 * message has no timeline items whose stream could withdraw its notifications, so its recall
 * leaves a note for the notification pipeline, which removes it (mentions included) once done.
 */
function recalled(message: MessageRecord): MessageRecord {
  const { body: _body, mentions, editedAt: _editedAt, reactions: _reactions, ...kept } = message;
  if (message.fanOut !== 'read') return { ...kept, recalled: true };
  return { ...kept, recalled: true, withdrawPending: true, ...(mentions && mentions.length > 0 ? { withdrawFrom: mentions } : {}) };
}

function reacted(message: MessageRecord, actor: string, emoji: string, on: boolean): MessageRecord | undefined {
  const reactions = { ...(message.reactions ?? {}) };
  const users = reactions[emoji] ?? [];
  if (on === users.includes(actor)) return undefined;
  if (on) {
    const mine = Object.values(reactions).filter((list) => list.includes(actor)).length;
    if (mine >= MAX_REACTIONS_PER_USER) throw new TooLargeError(`at most ${MAX_REACTIONS_PER_USER} different reactions per message`, { reason: 'tooManyReactions' });
    const total = Object.values(reactions).reduce((sum, list) => sum + list.length, 0);
    if (total >= MAX_REACTIONS_PER_MESSAGE) throw new TooLargeError('this message has as many reactions as it can hold', { reason: 'tooManyReactions' });
    reactions[emoji] = [...users, actor];
  } else {
    const rest = users.filter((user) => user !== actor);
    if (rest.length > 0) reactions[emoji] = rest;
    else delete reactions[emoji];
  }
  const { reactions: _old, ...rest } = message;
  return Object.keys(reactions).length > 0 ? { ...rest, reactions } : rest;
}

/**
 * The message after `change`, with its version raised; undefined when the change changes nothing
 * (the same body again, a second recall, a reaction already there or already gone): that is what
 * makes a retried request apply once.
 */
export function nextState(message: MessageRecord, change: MessageChange, actor: string, now: number): MessageRecord | undefined {
  let next: MessageRecord | undefined;
  switch (change.kind) {
    case 'edit':
      next = sameBody(message.body, change.body) ? undefined : { ...message, body: change.body, editedAt: now };
      break;
    case 'recall':
      next = message.recalled ? undefined : recalled(message);
      break;
    case 'react':
      next = reacted(message, actor, change.emoji, change.on);
      break;
  }
  return next && { ...next, version: versionOf(message) + 1, lastChange: { kind: change.kind, by: actor, at: now } };
}
