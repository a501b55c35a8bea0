import { directConversationId, isAttachmentBody, parseConversationId } from '@serverless-im/protocol';
import { ERASED_USER_ID, type ErasureMode, type ErasureStep } from '@serverless-im/protocol/server-api';
import type { AttachmentObjects } from '../attachments/object-store.js';
import type { ConnectionCloser } from '../connections/disconnect-user.js';
import { isRequestError } from '../errors/request-errors.js';
import { eventClaimId } from '../storage/claims.js';
import { leaveGroup, type MembershipDeps } from '../membership/change-membership.js';
import type { ChangeDeps } from '../message-changes/change-message.js';
import { deliverChange } from '../message-changes/deliver-change.js';
import { nextState } from '../message-changes/next-state.js';
import type { Checkpoint } from '../platform/checkpoints.js';
import { NO_CONNECTION } from '../server-api/send-as-user.js';
import { deliveredSeqOf, deliveryClaimId, fanOutSeqOf, forgetFanOutRecipient, legacyDeliveryClaimId, PUSH_CLAIM_SECONDS, pushClaimId, sendClaimId, uploadAllowanceId } from '../storage/claims.js';
import { partitionOf } from '../fan-out/partitions.js';
import { connectionsOf } from '../storage/connections.js';
import { forgetAllLiveConnections } from '../storage/group-listeners.js';
import { catchUpMarkKey } from '../storage/activity-index.js';
import { appendChange, blockedUsersOf, blockListKey, getMessage, type MessageRecord, readGroupHead, replaceMessage, versionOf } from '../storage/conversations/index.js';
import { devicesOf, removeDevice } from '../storage/devices.js';
import { formerMembersSince, formerPartition } from '../storage/former-members.js';
import { groupRoster } from '../storage/group-roster.js';
import { hiddenKey } from '../storage/hidden-messages.js';
import { reportPartition } from '../storage/reports.js';
import type { Storage } from '../storage/storage.js';
import { msgIdOfUpdateKey, updateItemKey } from '../storage/timelines/index.js';
import {
  announceErasure,
  deleteClaims,
  deleteConnectionRecord,
  deleteItems,
  deletePartition,
  type ErasureRecord,
  finishErasure,
  getItem,
  type Item,
  partitionPage,
  readErasure,
  rememberForErasure,
  removeFromSet,
  replaceHeadOwner,
  replaceIfUnchanged,
  rewriteAttributes,
  saveErasureProgress,
} from '../storage/user-erasure.js';
import { messageEventId } from '../events/record-to-event.js';
import { userHashOf } from './erasure-ids.js';
import { mentionsUser, replaceUser } from './replace-user.js';

/**
 * Erasing a user: a job in steps, each a loop of small pages, each page idempotent (deleting what
 * is gone, rewriting only what still holds the user), and the position reached saved on the
 * erasure record after each page. A slice of the job (one SQS message) runs pages while its time
 * lasts and then queues the next slice; a crash anywhere runs the page again from the saved
 * position. docs/server-api.md ("Erasing a user") describes every step.
 */
export interface ErasureDeps {
  storage: Storage;
  closer: ConnectionCloser;
  deleteEndpoint: (endpointArn: string) => Promise<void>;
  attachments: () => AttachmentObjects;
  membership: MembershipDeps;
  change: ChangeDeps;
  clock: () => number;
  checkpoint: Checkpoint;
  /** Whether another page fits in this slice (the Lambda's remaining time). */
  hasTime: () => boolean;
  sleep: (ms: number) => Promise<void>;
}

const STEP_ORDER: readonly ErasureStep[] = ['connections', 'devices', 'discover', 'conversations', 'memberships', 'timeline', 'leftovers', 'announce', 'done'];
const nextStep = (step: ErasureStep): ErasureStep => STEP_ORDER[STEP_ORDER.indexOf(step) + 1] ?? 'done';

type Cursor = unknown;
interface Context {
  userId: string;
  userHash: string;
  mode: ErasureMode;
  record: ErasureRecord;
}
/** One page of a step: the cursor to go on from, or `undefined` when the step is finished. */
type Page = (deps: ErasureDeps, context: Context, cursor: Cursor) => Promise<Cursor | undefined>;

const PAGE = 50;
const DAY_MS = 24 * 60 * 60 * 1000;

// ---- connections and devices ----------------------------------------------------------------

/** Every live connection closed now and its record removed (the erasure record already refuses `$connect`). */
const connectionsPage: Page = async (deps, { userId }) => {
  const connections = await connectionsOf(deps.storage, [userId], 0);
  for (const connection of connections) {
    await deps.closer.close(connection.connectionId).catch(() => 'gone');
    await deleteConnectionRecord(deps.storage, connection.connectionId);
  }
  // The live-connection directory (large-group listeners) names the user too; a connection only
  // it knows of (its record expired, the socket stayed open) is closed as well.
  const known = new Set(connections.map((connection) => connection.connectionId));
  for (const connectionId of await forgetAllLiveConnections(deps.storage, userId)) {
    if (!known.has(connectionId)) await deps.closer.close(connectionId).catch(() => 'gone');
  }
  return undefined;
};

/** Push registrations: the SNS endpoint, then the registration (the device ids stay on the record for the push claims). */
const devicesPage: Page = async (deps, { userId, userHash }) => {
  const devices = await devicesOf(deps.storage, userId);
  await rememberForErasure(deps.storage, userHash, 'devices', devices.map((device) => device.deviceId));
  for (const device of devices) {
    await deps.deleteEndpoint(device.endpointArn);
    await removeDevice(deps.storage, userId, device.deviceId);
  }
  return undefined;
};

// ---- discover: every conversation the user is or was in -------------------------------------

const conversationOfItem = (item: Item): string | undefined => {
  const candidates = [
    (item.message as { conversationId?: string } | undefined)?.conversationId,
    (item.ref as { conversationId?: string } | undefined)?.conversationId,
    (item.system as { conversationId?: string } | undefined)?.conversationId,
    (item.deleted as { conversationId?: string } | undefined)?.conversationId,
  ];
  return candidates.find((id): id is string => typeof id === 'string');
};

/**
 * Memberships say where the user is; the timeline says where they ever were (a group they left
 * still holds their messages); their block list names direct conversations that may hold only a
 * block. All of it goes into the record's `conversations` set.
 */
const discoverPage: Page = async (deps, { userId, userHash }, cursor) => {
  const at = (cursor ?? { phase: 'memberships' }) as { phase: 'memberships' | 'timeline'; key?: Record<string, unknown> };
  if (at.phase === 'memberships') {
    const page = await partitionPage(deps.storage, 'memberships', userId, at.key, 100);
    await rememberForErasure(deps.storage, userHash, 'conversations', page.items.map((item) => String(item.conversationId)));
    if (page.cursor) return { phase: 'memberships', key: page.cursor };
    const blocked = await blockedUsersOf(deps.storage, userId, true);
    await rememberForErasure(deps.storage, userHash, 'conversations', blocked.map((other) => directConversationId(userId, other)));
    return { phase: 'timeline' };
  }
  const page = await partitionPage(deps.storage, 'timelines', userId, at.key, 200, 1);
  const ids = page.items.map(conversationOfItem).filter((id): id is string => id !== undefined);
  await rememberForErasure(deps.storage, userHash, 'conversations', [...new Set(ids)]);
  return page.cursor ? { phase: 'timeline', key: page.cursor } : undefined;
};

// ---- conversations: the user's messages, reactions and mentions; direct conversations whole --

/** Everyone whose timeline may hold a copy of a group's item: its members now and those who left. */
async function groupAudience(deps: ErasureDeps, conversationId: string): Promise<string[]> {
  const [members, former] = await Promise.all([groupRoster(deps.storage, conversationId), formerMembersSince(deps.storage, conversationId, 0)]);
  return [...new Set([...members, ...former])];
}

/** Rewrites one timeline item (a member's copy) to hold the tombstone instead of the user, while it is the item found. */
async function anonymizeTimelineItem(deps: ErasureDeps, owner: string, seq: number, itemKey: string, userId: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const item = await getItem(deps.storage, 'timelines', { userId: owner, seq });
    if (!item || item.itemKey !== itemKey) return;
    const { userId: _owner, ...content } = item;
    const { value, changed } = replaceUser(content, userId, ERASED_USER_ID);
    if (!changed) return;
    if (await replaceIfUnchanged(deps.storage, 'timelines', { ...value, userId: owner }, { name: 'itemKey', value: itemKey })) return;
  }
}

/** The message with the tombstone instead of the user (sender, mentions, reactions, last change), kept at its version. */
async function anonymizeMessage(deps: ErasureDeps, conversationId: string, cseq: number, userId: string): Promise<MessageRecord | undefined> {
  for (let round = 0; round < 10; round++) {
    const current = await getMessage(deps.storage, conversationId, cseq, true);
    if (!current) return undefined;
    const { value, changed } = replaceUser(current, userId, ERASED_USER_ID);
    if (!changed) return current;
    const guard = current.version === undefined ? { name: 'version', value: undefined } : { name: 'version', value: current.version };
    if (await replaceIfUnchanged(deps.storage, 'conversations', value as unknown as Item, guard)) return value;
  }
  return undefined;
}

/** `recall` mode: the recall path itself (every copy's content removed, attachments deleted), as the sender, without its window. */
async function recallAsSender(deps: ErasureDeps, conversationId: string, cseq: number, userId: string): Promise<void> {
  const conversation = parseConversationId(conversationId);
  if (!conversation) return;
  const group = conversation.kind === 'group' ? await readGroupHead(deps.storage, conversationId) : undefined;
  const actor = { userId, connectionId: NO_CONNECTION };
  for (let round = 0; round < 10; round++) {
    const current = await getMessage(deps.storage, conversationId, cseq, true);
    if (!current || current.from !== userId) return;
    const now = deps.clock();
    const next = nextState(current, { kind: 'recall' }, userId, now);
    if (!next) {
      await deliverChange(deps.change, { conversation, group, actor, before: current, after: current, finishing: true });
      return;
    }
    await appendChange(deps.storage, { conversationId, target: cseq, version: versionOf(next), ts: now });
    if (await replaceMessage(deps.storage, next, versionOf(current))) {
      await deliverChange(deps.change, { conversation, group, actor, before: current, after: next, finishing: false });
      return;
    }
  }
}

async function groupMessagesPage(deps: ErasureDeps, context: Context, conversationId: string, key: Record<string, unknown> | undefined): Promise<Record<string, unknown> | undefined> {
  const { userId } = context;
  const page = await partitionPage(deps.storage, 'conversations', conversationId, key, PAGE, 1);
  let audience: string[] | undefined;
  for (const item of page.items) {
    if (typeof item.msgId !== 'string' || !mentionsUser(item, userId)) continue;
    const message = item as unknown as MessageRecord;
    const own = message.from === userId;
    if (own) await deleteClaims(deps.storage, [sendClaimId(userId, message.clientMsgId)]);
    if (own && context.mode === 'recall') await recallAsSender(deps, conversationId, message.cseq, userId);
    await deps.checkpoint('erasure:message', { conversationId, cseq: message.cseq });
    const stored = await anonymizeMessage(deps, conversationId, message.cseq, userId);
    // Members' inline copies hold the sender and the mentions of the message as sent (a recall turned them into references).
    if (stored && stored.fanOut === 'write' && !stored.recalled && (own || (message.mentions ?? []).includes(userId))) {
      audience ??= await groupAudience(deps, conversationId);
      for (const member of audience) {
        if (member === userId) continue;
        // The sender's own copy is at the seq the message records; the others' through their fan-out (or delivery) claims.
        const seq = member === message.from ? message.senderSeq : await fanOutSeqOf(deps.storage, message.msgId, partitionOf(member), member);
        if (seq !== undefined) await anonymizeTimelineItem(deps, member, seq, message.msgId, userId);
      }
    }
  }
  if (page.cursor) return page.cursor;
  // The group's other records of the user: the head's owner (a group everyone left), the user's
  // listeners, reports they filed, what they hid, their former-member record.
  // (A member still in hands the group over when leaving, in the memberships step.)
  if (!(await getItem(deps.storage, 'memberships', { userId, conversationId }))) await replaceHeadOwner(deps.storage, conversationId, userId, ERASED_USER_ID);
  await anonymizeHeadEvents(deps, conversationId, userId);
  for (let listeners = await partitionPage(deps.storage, 'groupListeners', conversationId, undefined, 200); ; ) {
    await deleteItems(deps.storage, 'groupListeners', listeners.items.filter((listener) => listener.userId === userId));
    if (!listeners.cursor) break;
    listeners = await partitionPage(deps.storage, 'groupListeners', conversationId, listeners.cursor, 200);
  }
  await deletePartition(deps.storage, 'conversations', reportPartition(conversationId, userId));
  await deleteItems(deps.storage, 'memberships', [hiddenKey(userId, conversationId), { userId: formerPartition(conversationId), conversationId: userId }]);
  return undefined;
}

/** The group head's last role and settings changes (kept for their retries) name who made them. */
async function anonymizeHeadEvents(deps: ErasureDeps, conversationId: string, userId: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const head = await getItem(deps.storage, 'conversations', { conversationId, cseq: 0 });
    if (!head) return;
    const events = { ownerEvent: head.ownerEvent, settingsEvent: head.settingsEvent };
    const { value, changed } = replaceUser(events, userId, ERASED_USER_ID);
    if (!changed) return;
    if (await rewriteAttributes(deps.storage, 'conversations', { conversationId, cseq: 0 }, value, events)) return;
  }
}

/** The partner's timeline item of this direct conversation becomes `void`: their seqs stay contiguous, the content goes. */
async function voidPartnerItem(deps: ErasureDeps, partner: string, seq: number | undefined, conversationId: string): Promise<void> {
  if (seq === undefined) return;
  const item = await getItem(deps.storage, 'timelines', { userId: partner, seq });
  if (!item || item.type === 'void' || conversationOfItem(item) !== conversationId) return;
  await replaceIfUnchanged(deps.storage, 'timelines', { userId: partner, seq, type: 'void', itemKey: `void:${seq}`, ts: deps.clock() }, { name: 'itemKey', value: item.itemKey });
}

/**
 * A direct conversation is named by its two members, so it goes whole: its messages, head, change
 * log and block marker; the partner's copies become `void` items; the partner's membership row,
 * hidden set, reports and their block of the user; the event claims of its messages.
 */
async function directPage(deps: ErasureDeps, context: Context, conversationId: string, key: Record<string, unknown> | undefined): Promise<Record<string, unknown> | undefined> {
  const { userId } = context;
  const conversation = parseConversationId(conversationId);
  if (conversation?.kind !== 'direct') return undefined;
  const partner = conversation.members[0] === userId ? conversation.members[1] : conversation.members[0];
  const page = await partitionPage(deps.storage, 'conversations', conversationId, key, PAGE);
  for (const item of page.items) {
    if (typeof item.msgId !== 'string' || !(Number(item.cseq) >= 1)) continue;
    const message = item as unknown as MessageRecord;
    await voidPartnerItem(deps, partner, message.from === partner ? message.senderSeq : message.recipientSeq, conversationId);
    const versions = Array.from({ length: versionOf(message) }, (_, index) => index + 1);
    for (const version of versions.slice(1)) {
      const updateKey = updateItemKey(message.msgId, version);
      await voidPartnerItem(deps, partner, await deliveredSeqOf(deps.storage, partner, updateKey), conversationId);
      await deleteClaims(deps.storage, [deliveryClaimId(partner, updateKey)]);
    }
    await deleteClaims(deps.storage, [
      ...versions.map((version) => eventClaimId(messageEventId(conversationId, message.cseq, version))),
      // The partner's send claims name the conversation: they go too (a retry of that send after the erasure would start a new conversation).
      sendClaimId(message.from, message.clientMsgId),
    ]);
    if (message.body && isAttachmentBody(message.body)) await deps.attachments().delete(message.body.attachmentId);
  }
  await deps.checkpoint('erasure:direct-page', { conversationId });
  await deleteItems(deps.storage, 'conversations', page.items);
  if (page.cursor) return page.cursor;
  await deleteItems(deps.storage, 'memberships', [{ userId: partner, conversationId }, hiddenKey(partner, conversationId), hiddenKey(userId, conversationId)]);
  await deletePartition(deps.storage, 'conversations', reportPartition(conversationId, partner));
  await deletePartition(deps.storage, 'conversations', reportPartition(conversationId, userId));
  await removeFromSet(deps.storage, 'memberships', blockListKey(partner), 'blocked', userId);
  return undefined;
}

const conversationsPage: Page = async (deps, context, cursor) => {
  const ids = [...(context.record.conversations ?? [])].sort();
  const at = (cursor ?? { index: 0 }) as { index: number; key?: Record<string, unknown> };
  const conversationId = ids[at.index];
  if (conversationId === undefined) return undefined;
  const kind = parseConversationId(conversationId)?.kind;
  const key = kind === 'group' ? await groupMessagesPage(deps, context, conversationId, at.key) : await directPage(deps, context, conversationId, at.key);
  return key ? { index: at.index, key } : { index: at.index + 1 };
};

// ---- memberships: leave every group (an owner hands over first), drop direct rows -------------

const membershipsPage: Page = async (deps, { userId }, cursor) => {
  const page = await partitionPage(deps.storage, 'memberships', userId, cursor as Record<string, unknown> | undefined, 25);
  for (const row of page.items) {
    const conversationId = String(row.conversationId);
    if (parseConversationId(conversationId)?.kind === 'group') {
      try {
        await leaveGroup(deps.membership, userId, conversationId);
      } catch (error) {
        // Left already (a crash after the leave, before the saved position): nothing to do.
        if (!isRequestError(error)) throw error;
      }
      await deps.checkpoint('erasure:left', { conversationId });
      await replaceHeadOwner(deps.storage, conversationId, userId, ERASED_USER_ID);
      await deleteItems(deps.storage, 'memberships', [{ userId: formerPartition(conversationId), conversationId: userId }]);
    }
    await deleteItems(deps.storage, 'memberships', [{ userId, conversationId }]);
    if (parseConversationId(conversationId)?.kind === 'group') await anonymizeHeadEvents(deps, conversationId, userId);
  }
  return page.cursor;
};

// ---- timeline: the user's items, their claims, and others' copies of system items naming them --

/** How long a system item's copies may still be on their way through the fan-out queue. */
const SYSTEM_COPY_WAIT_MS = 60_000;

async function anonymizeSystemCopies(deps: ErasureDeps, userId: string, item: Item): Promise<void> {
  const conversationId = conversationOfItem(item);
  if (!conversationId) return;
  const itemKey = String(item.itemKey);
  const recent = deps.clock() - Number(item.ts) < SYSTEM_COPY_WAIT_MS;
  for (const member of await groupAudience(deps, conversationId)) {
    if (member === userId) continue;
    let seq = await deliveredSeqOf(deps.storage, member, itemKey);
    // A change made a moment ago (the leave of this very erasure) may not have reached everyone yet.
    for (let wait = 0; seq === undefined && recent && wait < 20; wait++) {
      await deps.sleep(500);
      seq = await deliveredSeqOf(deps.storage, member, itemKey);
    }
    if (seq !== undefined) await anonymizeTimelineItem(deps, member, seq, itemKey, userId);
  }
}

/** Whether a timeline item holds a group message (inline or as a reference). */
const groupOfItem = (item: Record<string, unknown>): boolean => {
  const conversationId = (item.message as { conversationId?: unknown } | undefined)?.conversationId ?? (item.ref as { conversationId?: unknown } | undefined)?.conversationId;
  return typeof conversationId === 'string' && parseConversationId(conversationId)?.kind === 'group';
};

const timelinePage: Page = async (deps, { userId, record }, cursor) => {
  const page = await partitionPage(deps.storage, 'timelines', userId, undefined, PAGE, Number(cursor ?? 0) + 1);
  const devices = [...(record.devices ?? [])];
  const pushSince = deps.clock() - PUSH_CLAIM_SECONDS * 1000;
  for (const item of page.items) {
    const itemKey = String(item.itemKey);
    const claims = [deliveryClaimId(userId, itemKey), legacyDeliveryClaimId(userId, itemKey)];
    const msgId = item.type === 'message' ? itemKey : msgIdOfUpdateKey(itemKey);
    // A group message's fan-out claim names every recipient of its partition: this user leaves it.
    if (item.type === 'message' && groupOfItem(item)) await forgetFanOutRecipient(deps.storage, itemKey, partitionOf(userId), userId);
    if (msgId && Number(item.ts) >= pushSince) claims.push(...devices.map((deviceId) => pushClaimId(userId, deviceId, msgId)));
    await deleteClaims(deps.storage, claims);
    if (item.type === 'system' && mentionsUser(item.system, userId)) await anonymizeSystemCopies(deps, userId, item);
  }
  await deps.checkpoint('erasure:timeline-page', { items: page.items.length });
  await deleteItems(deps.storage, 'timelines', page.items);
  const last = page.items.at(-1);
  return last ? Number(last.seq) : undefined;
};

// ---- leftovers and the end -------------------------------------------------------------------

const leftoversPage: Page = async (deps, context) => {
  const { userId } = context;
  const now = deps.clock();
  const days = [-3, -2, -1, 0, 1].map((offset) => new Date(now + offset * DAY_MS).toISOString().slice(0, 10));
  await deleteClaims(deps.storage, days.map((day) => uploadAllowanceId(userId, day)));
  await deleteItems(deps.storage, 'memberships', [blockListKey(userId), catchUpMarkKey(userId)]);
  await deletePartition(deps.storage, 'memberships', hiddenKey(userId, '').userId);
  // What arrived while the job ran ($disconnect's last seen, a late item): the whole partition again.
  await connectionsPage(deps, context, undefined);
  for (;;) {
    const page = await partitionPage(deps.storage, 'timelines', userId, undefined, 100);
    if (page.items.length === 0) break;
    await deleteClaims(deps.storage, page.items.filter((item) => Number(item.seq) > 0).flatMap((item) => [deliveryClaimId(userId, String(item.itemKey)), legacyDeliveryClaimId(userId, String(item.itemKey))]));
    await deleteItems(deps.storage, 'timelines', page.items);
  }
  await deletePartition(deps.storage, 'memberships', userId);
  return undefined;
};

const PAGES: Record<Exclude<ErasureStep, 'announce' | 'done'>, Page> = {
  connections: connectionsPage,
  devices: devicesPage,
  discover: discoverPage,
  conversations: conversationsPage,
  memberships: membershipsPage,
  timeline: timelinePage,
  leftovers: leftoversPage,
};

/**
 * Runs the erasure of `userId` from where its record says, page by page while the slice has time.
 * `done` once the record is done; `more` when the next slice must go on.
 */
export async function runErasureSlice(deps: ErasureDeps, userId: string): Promise<'done' | 'more'> {
  const userHash = userHashOf(userId);
  for (;;) {
    const record = await readErasure(deps.storage, userHash);
    if (!record || record.status === 'done') return 'done';
    const step = record.step as ErasureStep;
    if (record.status === 'finishing' || step === 'announce') {
      await announceErasure(deps.storage, userHash, deps.clock());
      await deps.checkpoint('erasure:announced');
      await finishErasure(deps.storage, userHash);
      return 'done';
    }
    if (!deps.hasTime()) return 'more';
    const page = PAGES[step as keyof typeof PAGES];
    const context: Context = { userId, userHash, mode: record.mode, record };
    const cursor = await page(deps, context, record.cursor === undefined ? undefined : JSON.parse(record.cursor));
    await saveErasureProgress(deps.storage, userHash, cursor === undefined ? nextStep(step) : step, cursor);
  }
}
