import type { GroupRole } from '@serverless-im/protocol';
import { ForbiddenError } from '../errors/request-errors.js';
import { isAdmin } from '../membership/roles.js';
import type { GroupHead, MessageRecord } from '../storage/conversations/index.js';
import type { ChangeSettings } from './change-settings.js';

/** Body kinds whose content can be replaced by `edit` (attachments cannot: their content is an object elsewhere). */
export const EDITABLE_KINDS: ReadonlySet<string> = new Set(['text', 'custom']);

/** Who is asking and where: the group head (and the actor's role) is absent in a direct conversation. */
export interface ChangeContext {
  actor: string;
  group: GroupHead | undefined;
  role?: GroupRole;
  now: number;
  settings: ChangeSettings;
}

const within = (message: Pick<MessageRecord, 'ts'>, windowMs: number, now: number): boolean => now - message.ts < windowMs;

/** Only the sender, only an editable body that was not recalled, only within the edit window. */
export function mayEdit(message: MessageRecord, context: ChangeContext): void {
  if (message.from !== context.actor) throw new ForbiddenError('only the sender may edit a message', { reason: 'notSender' });
  if (message.recalled) throw new ForbiddenError('the message was recalled', { reason: 'messageRecalled' });
  if (!message.body || !EDITABLE_KINDS.has(message.body.kind)) throw new ForbiddenError('this kind of message cannot be edited', { reason: 'notEditable' });
  if (!within(message, context.settings.editWindowMs, context.now)) throw new ForbiddenError('the edit window of this message has closed', { reason: 'editWindowClosed' });
}

/**
 * Whether `actor` may recall `message`: its sender within the recall window, or whoever may
 * recall any message of the group at any time (its owner and admins). This is the one place that decides it.
 */
export function mayRecall(message: MessageRecord, context: ChangeContext): void {
  if (recallsAnyMessage(context)) return;
  if (message.from !== context.actor) throw new ForbiddenError('only the sender (or the group owner) may recall a message', { reason: 'notSender' });
  if (!within(message, context.settings.recallWindowMs, context.now)) {
    throw new ForbiddenError('the recall window of this message has closed', { reason: 'recallWindowClosed' });
  }
}

/** A group's owner and admins may recall any message of it, whenever it was sent. */
export const recallsAnyMessage = (context: ChangeContext): boolean =>
  context.group !== undefined && (context.group.owner === context.actor || isAdmin(context.role));

/** Any member may react, to any message not recalled. */
export function mayReact(message: MessageRecord): void {
  if (message.recalled) throw new ForbiddenError('the message was recalled', { reason: 'messageRecalled' });
}
