import type { MessageChangeResult } from '@serverless-im/protocol';
import { NotFoundError } from '../errors/request-errors.js';
import type { JobQueue } from '../fan-out/job-queue.js';
import { notMember, requireMemberRow } from '../membership/require-member.js';
import type { Moderate } from '../moderation/moderate.js';
import type { Checkpoint } from '../platform/checkpoints.js';
import type { Pusher } from '../push/pusher.js';
import { appendChange, getMessage, type GroupHead, type MessageRecord, readGroupHead, replaceMessage, versionOf } from '../storage/conversations/index.js';
import { ConversationBusyError } from '../storage/errors.js';
import { type GroupMembership, roleOf } from '../storage/memberships.js';
import type { Storage } from '../storage/storage.js';
import type { ChangeSettings } from './change-settings.js';
import { deliverChange } from './deliver-change.js';
import { type ChangeContext, mayEdit, mayReact, mayRecall, recallsAnyMessage } from './may-change.js';
import { type MessageChange, nextState } from './next-state.js';
import type { OnRecalled } from './on-recalled.js';

export interface ChangeDeps {
  storage: Storage;
  pusher: Pusher;
  queue: () => JobQueue;
  clock: () => number;
  settings: ChangeSettings;
  checkpoint: Checkpoint;
  onRecalled: OnRecalled;
  /** The deployment's moderation hook, when it has one: it judges an edit's new body (functions/moderation/). */
  moderate?: Moderate;
}

export interface ChangeInput {
  actor: { userId: string; connectionId: string };
  conversationId: string;
  conversationSeq: number;
  change: MessageChange;
}

/** Optimistic writes that lose to a concurrent change read again; this many rounds is far more than contention ever needs. */
const MAX_ROUNDS = 25;

function authorize(change: MessageChange, message: MessageRecord, context: ChangeContext): void {
  if (change.kind === 'edit') mayEdit(message, context);
  else if (change.kind === 'recall') {
    // A recall retried after the window closed still answers as the first attempt did.
    if (message.recalled && (message.from === context.actor || recallsAnyMessage(context))) return;
    mayRecall(message, context);
  } else mayReact(message);
}

/**
 * `edit`, `recall`, `react`: one read-modify-write of the stored message, in server order. The
 * change log entry goes first (a hint that the message changed: a reader that finds the message
 * not changed yet waits for it, or skips a hint whose writer died), then the message itself,
 * conditional on the version read (the commit point). Delivery follows from the stored state, so a
 * retry that finds its change already made (nothing left to change) finishes the delivery of the
 * message's current version, idempotently.
 */
export async function changeMessage(deps: ChangeDeps, input: ChangeInput): Promise<MessageChangeResult> {
  const { storage } = deps;
  const actor = input.actor.userId;
  const { conversation, membership } = await requireMemberRow(storage, actor, input.conversationId);
  const role = membership ? roleOf((membership as Partial<GroupMembership>).role) : undefined;
  let group: GroupHead | undefined;
  if (conversation.kind === 'group') {
    group = await readGroupHead(storage, conversation.id);
    if (!group) throw notMember();
  }
  let change = input.change;
  let moderated = false;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const current = await getMessage(storage, conversation.id, input.conversationSeq, true);
    if (!current) throw new NotFoundError('conversationSeq: no such message');
    const now = deps.clock();
    authorize(change, current, { actor, group, now, settings: deps.settings, ...(role ? { role } : {}) });
    let next = nextState(current, change, actor, now);
    if (next && change.kind === 'edit' && deps.moderate && !moderated) {
      // Once per request, after the checks and only for an edit that changes the body, before
      // anything is written: the body moderation lets through (or its replacement) is the edit.
      change = { kind: 'edit', body: await deps.moderate({ kind: 'edit', sender: actor, conversationId: conversation.id, conversationSeq: current.cseq, msgId: current.msgId, body: change.body }) };
      moderated = true;
      next = nextState(current, change, actor, now);
    }
    if (!next) return deliverChange(deps, { conversation, group, actor: input.actor, before: current, after: current, finishing: true });
    await appendChange(storage, { conversationId: conversation.id, target: current.cseq, version: versionOf(next), ts: now });
    await deps.checkpoint('change:logged');
    if (await replaceMessage(storage, next, versionOf(current))) {
      await deps.checkpoint('change:stored');
      return deliverChange(deps, { conversation, group, actor: input.actor, before: current, after: next, finishing: false });
    }
  }
  throw new ConversationBusyError(conversation.id);
}
