import { type Body, parseConversationId, type SystemEvent } from '@serverless-im/protocol';
import type { MessageRecord } from '../storage/conversations/index.js';
import type { ReportRecord } from '../storage/reports.js';
import { newImageOf, type StreamRecord } from '../storage/stream-records.js';
import type { TimelineRecord } from '../storage/timelines/index.js';
import { type EventSettings, type GroupChangedDetail, type MessageReportedDetail, type MessageSentDetail, type MessageUpdatedDetail, type OutgoingEvent, SCHEMA_VERSION, type UserErasedDetail } from './event-shapes.js';

/**
 * Which committed change a stream record is, as the event it publishes (undefined: none). Where
 * each change commits:
 * - a message (direct, group of either fan-out): its one item in Conversations (cseq >= 1), INSERT;
 * - an edit or recall: that item's conditional replace (MODIFY) to a new `version`, whose
 *   `lastChange` says which (reactions and housekeeping MODIFYs publish nothing);
 * - a membership change: the actor's `system` item in Timelines (`origin`), one per change;
 * - a report: its item in Conversations (`recordType` = `report`, partition
 *   `report#<conversationId>#<reporter>`), INSERT, once per reporter and message.
 * The event id follows from the change alone (conversation, cseq, version; the system item's id),
 * so every record of the same change, and every retry of it, names the same event.
 */

/** `<conversationId>#<cseq>#<version>`: `#` occurs in no conversation id (nor in a system item id), so ids never collide. */
export const messageEventId = (conversationId: string, cseq: number, version: number): string => `${conversationId}#${cseq}#${version}`;

function messageFields(record: MessageRecord): Omit<MessageSentDetail, 'eventId' | 'ts' | 'clientMsgId' | 'bodyKind'> {
  const conversation = parseConversationId(record.conversationId);
  return {
    schemaVersion: SCHEMA_VERSION,
    conversationId: record.conversationId,
    conversationKind: conversation?.kind === 'direct' || (!conversation && record.fanOut === undefined) ? 'direct' : 'group',
    ...(conversation?.kind === 'direct' ? { members: [...conversation.members] as [string, string] } : {}),
    conversationSeq: Number(record.cseq),
    msgId: record.msgId,
    from: record.from,
  };
}

const withBody = (body: Body | undefined, settings: EventSettings) => (body !== undefined && settings.includeBody ? { body } : {});

function messageSent(record: MessageRecord, settings: EventSettings): OutgoingEvent | undefined {
  if (record.body === undefined) return undefined;
  const detail: MessageSentDetail = {
    ...messageFields(record),
    eventId: messageEventId(record.conversationId, Number(record.cseq), 1),
    ts: Number(record.ts),
    clientMsgId: record.clientMsgId,
    bodyKind: record.body.kind,
    ...(record.replyTo !== undefined ? { replyTo: Number(record.replyTo) } : {}),
    ...(record.mentions !== undefined && record.mentions.length > 0 ? { mentions: [...record.mentions] } : {}),
    ...(record.fanOut !== undefined ? { delivery: record.fanOut } : {}),
    ...withBody(record.body, settings),
  };
  return { detailType: 'message.sent', time: detail.ts, detail };
}

/**
 * A change's own write happens within a request's lifetime of `lastChange.at`. A MODIFY written
 * long after is a later rewrite of the item that kept its last change (none today; an erasure that
 * anonymizes a message would be one), whose event went out when it was made: by then its claim
 * may have expired, so this is what keeps it from going out again.
 */
export const CHANGE_RECORD_MAX_AGE_SECONDS = 24 * 60 * 60;

function messageUpdated(record: MessageRecord, settings: EventSettings, writtenAtSeconds: number | undefined): OutgoingEvent | undefined {
  const change = record.lastChange;
  if (!change || (change.kind !== 'edit' && change.kind !== 'recall') || record.version === undefined) return undefined;
  if (writtenAtSeconds !== undefined && writtenAtSeconds - Number(change.at) / 1000 > CHANGE_RECORD_MAX_AGE_SECONDS) return undefined;
  const version = Number(record.version);
  const edited = change.kind === 'edit' && record.recalled !== true && record.body !== undefined;
  const detail: MessageUpdatedDetail = {
    ...messageFields(record),
    eventId: messageEventId(record.conversationId, Number(record.cseq), version),
    change: change.kind === 'recall' ? 'recalled' : 'edited',
    version,
    changedBy: change.by,
    changedAt: Number(change.at),
    ...(edited ? { bodyKind: record.body!.kind, ...withBody(record.body, settings) } : {}),
  };
  return { detailType: 'message.updated', time: detail.changedAt, detail };
}

/** The report's own key, `report#<conversationId>#<reporter>#<cseq>`: message event ids start with a conversation id, never `report#`. */
const reportEventId = (record: ReportRecord): string => `${record.conversationId}#${Number(record.cseq)}`;

function messageReported(record: ReportRecord): OutgoingEvent {
  const conversation = parseConversationId(record.reportedConversationId);
  const detail: MessageReportedDetail = {
    schemaVersion: SCHEMA_VERSION,
    eventId: reportEventId(record),
    conversationId: record.reportedConversationId,
    conversationKind: conversation?.kind === 'direct' ? 'direct' : 'group',
    ...(conversation?.kind === 'direct' ? { members: [...conversation.members] as [string, string] } : {}),
    conversationSeq: Number(record.conversationSeq),
    msgId: record.msgId,
    author: record.author,
    reporter: record.reporter,
    reason: record.reason,
    reportedAt: Number(record.reportedAt),
  };
  return { detailType: 'message.reported', time: detail.reportedAt, detail };
}

function groupChanged(record: TimelineRecord): OutgoingEvent | undefined {
  const system: SystemEvent | undefined = record.system;
  if (!system) return undefined;
  const detail: GroupChangedDetail = {
    schemaVersion: SCHEMA_VERSION,
    eventId: record.itemKey,
    conversationId: system.conversationId,
    change: system.event,
    ts: Number(record.ts),
    ...(system.by !== undefined ? { by: system.by } : {}),
    ...(system.title !== undefined ? { title: system.title } : {}),
    ...(system.members !== undefined ? { members: [...system.members] } : {}),
    ...(system.memberCount !== undefined ? { memberCount: Number(system.memberCount) } : {}),
    ...(system.largeSince !== undefined ? { largeSince: Number(system.largeSince) } : {}),
    ...(system.role !== undefined ? { role: system.role } : {}),
    ...(system.onlyAdminsSend !== undefined ? { onlyAdminsSend: system.onlyAdminsSend } : {}),
    ...(system.onlyAdminsAdd !== undefined ? { onlyAdminsAdd: system.onlyAdminsAdd } : {}),
  };
  return { detailType: 'group.changed', time: detail.ts, detail };
}

function userErased(image: Record<string, unknown>): OutgoingEvent | undefined {
  if (image.status !== 'finishing' || typeof image.userId !== 'string') return undefined;
  const detail: UserErasedDetail = {
    schemaVersion: SCHEMA_VERSION,
    // `erasure#<hash of the user id>`: the record's partition, one per erased user.
    eventId: String(image.conversationId),
    userId: image.userId,
    mode: image.mode === 'recall' ? 'recall' : 'anonymize',
    startedAt: Number(image.startedAt),
    erasedAt: Number(image.finishedAt),
  };
  return { detailType: 'user.erased', time: detail.erasedAt, detail };
}

export function eventOfRecord(record: StreamRecord, settings: EventSettings): OutgoingEvent | undefined {
  const image = newImageOf(record);
  if (!image) return undefined;
  // Conversations: the erasure record's `finishing` write, the only one that still names the user (functions/erasure/).
  if (image.recordType === 'erasure') return userErased(image);
  // Timelines items have a `userId`; only the actor's copy of a system item is a change.
  if (typeof image.userId === 'string') {
    const item = image as unknown as TimelineRecord;
    return record.eventName === 'INSERT' && item.type === 'system' && item.origin === true ? groupChanged(item) : undefined;
  }
  // Conversations: a report is its own record type (it has a msgId too: the reported message's).
  if (image.recordType === 'report') return record.eventName === 'INSERT' ? messageReported(image as unknown as ReportRecord) : undefined;
  // Conversations: messages are the items with a msgId at cseq >= 1 (heads and the change log have none).
  const message = image as unknown as MessageRecord;
  if (typeof message.msgId !== 'string' || !(Number(message.cseq) >= 1)) return undefined;
  if (record.eventName === 'INSERT') return messageSent(message, settings);
  if (record.eventName === 'MODIFY') return messageUpdated(message, settings, record.dynamodb?.ApproximateCreationDateTime);
  return undefined;
}
