import { type Message, parseConversationId } from '@serverless-im/protocol';
import { ERASED_USER_ID, USER_EXPORT_MAX_BYTES, type UserExport } from '@serverless-im/protocol/server-api';
import { NotFoundError, TooLargeError } from '../errors/request-errors.js';
import { blockedUsersOf, directHeadOf, headsOf, messagesAt, sideOf } from '../storage/conversations/index.js';
import { devicesOf } from '../storage/devices.js';
import { type GroupMembership, listMemberships, type MembershipRecord, roleOf } from '../storage/memberships.js';
import type { Storage } from '../storage/storage.js';
import { queryAfter, readHead } from '../storage/timelines/index.js';
import { messagesPageAfter, reportsIn } from '../storage/user-export.js';
import { isKnownUser } from '../storage/user-erasure.js';

/** Items per query page (timeline and conversation pages). */
const PAGE = 500;

/**
 * The most items the export reads in all (timeline items plus large-group messages): the work of
 * one request stays bounded even for a timeline of system items that add few bytes. Beyond it the
 * export is TOO_LARGE like one above the byte bound.
 */
export const USER_EXPORT_MAX_ITEMS_READ = 100_000;

const tooLarge = (what: string): TooLargeError =>
  new TooLargeError(`the export is too large to answer in one reply (${what}); see docs/server-api.md "Exporting a user"`, { reason: 'exportTooLarge' });

const messageKey = (conversationId: string, cseq: number): string => `${conversationId}#${cseq}`;

/** Bounds the work and the size of the document as it is assembled. */
class Budget {
  private bytes = 0;
  private reads = 0;
  read(count: number): void {
    this.reads += count;
    if (this.reads > USER_EXPORT_MAX_ITEMS_READ) throw tooLarge(`more than ${USER_EXPORT_MAX_ITEMS_READ} items to read`);
  }
  add(value: unknown): void {
    this.bytes += Buffer.byteLength(JSON.stringify(value));
    if (this.bytes > USER_EXPORT_MAX_BYTES) throw tooLarge(`more than ${USER_EXPORT_MAX_BYTES} bytes of JSON`);
  }
}

/** The (conversation, cseq) of every message item of the user's timeline, page by page. */
async function timelineMessageKeys(storage: Storage, userId: string, budget: Budget): Promise<Map<string, { conversationId: string; cseq: number }>> {
  const keys = new Map<string, { conversationId: string; cseq: number }>();
  let after = 0;
  for (;;) {
    const page = await queryAfter(storage, userId, after, PAGE);
    budget.read(page.length);
    for (const record of page) {
      if (record.type !== 'message') continue;
      const ref = record.ref ?? (record.message ? { conversationId: record.message.conversationId, cseq: record.message.conversationSeq } : undefined);
      if (ref) keys.set(messageKey(ref.conversationId, ref.cseq), ref);
    }
    if (page.length < PAGE) return keys;
    after = page.at(-1)!.seq;
  }
}

/** A large group's messages since the user joined it (read fan-out: none is in their timeline). */
async function largeGroupMessages(storage: Storage, membership: MembershipRecord, budget: Budget): Promise<Message[]> {
  const messages: Message[] = [];
  let after = 0;
  for (;;) {
    const page = await messagesPageAfter(storage, membership.conversationId, after, PAGE);
    budget.read(page.items.length);
    for (const message of page.items) if (message.ts >= membership.joinedAt) messages.push(message);
    if (!page.more || page.items.length === 0) return messages;
    after = page.items.at(-1)!.conversationSeq;
  }
}

/**
 * `GET /v1/users/{id}/export`: everything stored about the user, read-only, by queries of the
 * user's own partitions (timeline, memberships, devices) and of the conversations they are in.
 * Messages are exported in their current state (read again by key: an inline timeline copy may
 * predate an edit or recall). docs/server-api.md, "Exporting a user".
 */
export async function exportUser(storage: Storage, userId: string, now: number): Promise<UserExport> {
  if (userId === ERASED_USER_ID || !(await isKnownUser(storage, userId))) throw new NotFoundError('nothing is stored about this user');
  const budget = new Budget();
  const [head, memberships, blocked, devices] = await Promise.all([readHead(storage, userId), listMemberships(storage, userId), blockedUsersOf(storage, userId), devicesOf(storage, userId)]);
  budget.read(memberships.length);

  const directIds = memberships.filter((membership) => membership.kind === 'direct').map((membership) => membership.conversationId);
  const directHeads = await headsOf(storage, directIds);
  const conversations: UserExport['conversations'] = memberships.map((membership) => {
    const base = { conversationId: membership.conversationId, kind: membership.kind, joinedAt: membership.joinedAt, ...(membership.mutedUntil ? { mutedUntil: membership.mutedUntil } : {}) };
    if (membership.kind === 'direct') {
      const ref = parseConversationId(membership.conversationId);
      const directHead = directHeadOf(directHeads.get(membership.conversationId));
      const side = ref?.kind === 'direct' ? sideOf(ref, userId) : 'Lo';
      return { ...base, ...(membership.peer ? { peer: membership.peer } : {}), readUpTo: directHead[`read${side}`], deliveredUpTo: directHead[`delivered${side}`] };
    }
    const group = membership as GroupMembership;
    return {
      ...base,
      role: roleOf(group.role),
      readUpTo: Number(group.readUpTo ?? 0),
      ...(group.deliveredUpTo !== undefined ? { deliveredUpTo: Number(group.deliveredUpTo) } : {}),
      ...(group.large ? { large: true as const } : {}),
    };
  });
  budget.add(conversations);

  const byKey = new Map<string, Message>();
  const keep = (message: Message): void => {
    const key = messageKey(message.conversationId, message.conversationSeq);
    if (byKey.has(key)) return;
    budget.add(message);
    byKey.set(key, message);
  };
  const keys = await timelineMessageKeys(storage, userId, budget);
  for (const message of await messagesAt(storage, [...keys.values()], { consistent: true })) keep(message);
  for (const membership of memberships) {
    if (membership.kind === 'group' && (membership as GroupMembership).large) for (const message of await largeGroupMessages(storage, membership, budget)) keep(message);
  }
  const messages = [...byKey.values()].sort((a, b) => (a.conversationId === b.conversationId ? a.conversationSeq - b.conversationSeq : a.conversationId < b.conversationId ? -1 : 1));

  const reactions: UserExport['reactions'] = messages.flatMap((message) =>
    Object.entries(message.reactions ?? {}).flatMap(([emoji, users]) =>
      users.includes(userId) ? [{ conversationId: message.conversationId, conversationSeq: message.conversationSeq, msgId: message.msgId, emoji }] : [],
    ),
  );
  const reports = (await Promise.all(memberships.map((membership) => reportsIn(storage, membership.conversationId, userId)))).flat().map((report) => ({
    conversationId: report.reportedConversationId,
    conversationSeq: report.conversationSeq,
    msgId: report.msgId,
    author: report.author,
    reason: report.reason,
    reportedAt: report.reportedAt,
  }));
  const document: UserExport = {
    userId,
    exportedAt: now,
    timeline: { latest: head.latest, ...(head.lastSeen !== undefined ? { lastSeen: head.lastSeen } : {}) },
    conversations,
    blocked,
    messages,
    reactions,
    devices: devices.map((device) => ({ deviceId: device.deviceId, platform: device.platform, registeredAt: device.registeredAt })),
    reports,
  };
  if (Buffer.byteLength(JSON.stringify(document)) > USER_EXPORT_MAX_BYTES) throw tooLarge(`more than ${USER_EXPORT_MAX_BYTES} bytes of JSON`);
  return document;
}
