import { randomUUID } from 'node:crypto';
import type { EventBusSpec } from '../template/read-event-buses.js';

/**
 * EventBridge's `PutEvents`, as the API reference and user guide describe it: 1 to 10 entries;
 * the entries together at most 256 KB, counted as "Calculating PutEvents event entry size" says
 * (a `Time` is 14 bytes; `Source`, `DetailType`, `Detail` and each of `Resources` their UTF-8
 * bytes), else the whole call fails with `ValidationException` ("Total size of the entries in the
 * request is over the limit."). Each entry then succeeds or fails on its own: the result lists an
 * `EventId` or an `ErrorCode` and `ErrorMessage` per entry, in order, and `FailedEntryCount`.
 */

export const MAX_ENTRIES = 10;
export const MAX_TOTAL_ENTRY_BYTES = 256 * 1024;

export interface PutEventsRequestEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
  Resources?: unknown;
  /** Epoch seconds (what the SDK sends) or an ISO 8601 string. */
  Time?: unknown;
  TraceHeader?: unknown;
}

/** An accepted event, in the envelope EventBridge delivers to rule targets. */
export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface AcceptedEvent {
  eventBusName: string;
  eventBusArn: string;
  event: EventEnvelope;
}

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export type PutEventsOutcome =
  | { ok: true; result: { FailedEntryCount: number; Entries: PutEventsResultEntry[] }; accepted: AcceptedEvent[] }
  | { ok: false; type: 'ValidationException'; message: string };

export interface PutEventsContext {
  region: string;
  accountId: string;
  buses: readonly EventBusSpec[];
  now?: () => number;
}

const utf8Bytes = (value: unknown): number => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);

/** The size EventBridge counts for one entry (user guide, "Calculating PutEvents event entry size"). */
export function entrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time === undefined || entry.Time === null ? 0 : 14;
  size += utf8Bytes(entry.Source) + utf8Bytes(entry.DetailType) + utf8Bytes(entry.Detail);
  if (Array.isArray(entry.Resources)) for (const resource of entry.Resources) size += utf8Bytes(resource);
  return size;
}

/** The bus an entry names: its name or ARN, or the account's `default` bus. */
export function busReference(entry: PutEventsRequestEntry): string {
  return typeof entry.EventBusName === 'string' && entry.EventBusName !== '' ? entry.EventBusName : 'default';
}

/** The ARN IAM checks `events:PutEvents` on for a bus reference (the bus need not exist). */
export function busArnOf(reference: string, account: { region: string; accountId: string }): string {
  return reference.startsWith('arn:') ? reference : `arn:aws:events:${account.region}:${account.accountId}:event-bus/${reference}`;
}

const eventTime = (time: unknown, now: number): string | undefined => {
  let epochMs = now;
  if (typeof time === 'number') epochMs = time * 1000;
  else if (typeof time === 'string') epochMs = Date.parse(time);
  else if (time !== undefined && time !== null) return undefined;
  if (!Number.isFinite(epochMs)) return undefined;
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
};

const required = (name: string): PutEventsResultEntry => ({ ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${name} is not valid. Reason: ${name} is a required argument.` });

function acceptEntry(entry: PutEventsRequestEntry, context: PutEventsContext, now: number): { result: PutEventsResultEntry; accepted?: AcceptedEvent } {
  if (typeof entry.Source !== 'string' || entry.Source === '') return { result: required('Source') };
  if (typeof entry.DetailType !== 'string' || entry.DetailType === '') return { result: required('DetailType') };
  if (typeof entry.Detail !== 'string' || entry.Detail === '') return { result: required('Detail') };
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    detail = undefined;
  }
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return { result: { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' } };
  // Sources starting with `aws.` are reserved for AWS services.
  if (entry.Source.startsWith('aws.')) return { result: { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' } };
  const reference = busReference(entry);
  const bus = context.buses.find((candidate) => candidate.name === reference || candidate.arn === reference);
  if (!bus) {
    const name = reference.startsWith('arn:') ? reference.split('/').pop() : reference;
    return { result: { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${name} does not exist.` } };
  }
  const time = eventTime(entry.Time, now);
  if (time === undefined) return { result: { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Time is not valid.' } };
  const resources = Array.isArray(entry.Resources) ? entry.Resources.filter((resource): resource is string => typeof resource === 'string') : [];
  const event: EventEnvelope = {
    version: '0',
    id: randomUUID(),
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: context.accountId,
    time,
    region: context.region,
    resources,
    detail: detail as Record<string, unknown>,
  };
  return { result: { EventId: event.id }, accepted: { eventBusName: bus.name, eventBusArn: bus.arn, event } };
}

export function putEvents(body: { Entries?: unknown; EndpointId?: unknown }, context: PutEventsContext): PutEventsOutcome {
  const entries = body.Entries;
  if (!Array.isArray(entries) || entries.length === 0) {
    return { ok: false, type: 'ValidationException', message: "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1" };
  }
  if (entries.length > MAX_ENTRIES) {
    return { ok: false, type: 'ValidationException', message: `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}` };
  }
  if (body.EndpointId !== undefined) return { ok: false, type: 'ValidationException', message: 'Global endpoints (EndpointId) are not emulated locally.' };
  const typed = entries.map((entry): PutEventsRequestEntry => (entry !== null && typeof entry === 'object' ? (entry as PutEventsRequestEntry) : {}));
  if (typed.reduce((sum, entry) => sum + entrySize(entry), 0) > MAX_TOTAL_ENTRY_BYTES) {
    return { ok: false, type: 'ValidationException', message: 'Total size of the entries in the request is over the limit.' };
  }
  const now = (context.now ?? Date.now)();
  const results: PutEventsResultEntry[] = [];
  const accepted: AcceptedEvent[] = [];
  for (const entry of typed) {
    const outcome = acceptEntry(entry, context, now);
    results.push(outcome.result);
    if (outcome.accepted) accepted.push(outcome.accepted);
  }
  return { ok: true, result: { FailedEntryCount: results.length - accepted.length, Entries: results }, accepted };
}
