import type { Checkpoint } from '../platform/checkpoints.js';
import { publishedEvents, recordPublished } from '../storage/claims.js';
import type { Storage } from '../storage/storage.js';
import { EVENT_SOURCE, type OutgoingEvent } from './event-shapes.js';

/** One PutEvents entry, as `@aws-sdk/client-eventbridge` takes it. */
export interface BusEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName: string;
  Time: Date;
}

/** PutEvents' answer per entry, in order: an EventId, or an ErrorCode. */
export interface BusEntryResult {
  EventId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

/** The bus: one PutEvents call of at most 10 entries. */
export type PutEvents = (entries: BusEntry[]) => Promise<BusEntryResult[]>;

export interface PublishDeps {
  storage: Storage;
  putEvents: PutEvents;
  busName: string;
  checkpoint: Checkpoint;
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Rounds of PutEvents for the entries that failed (throttling, internal errors) before giving up. */
  attempts?: number;
}

/** An event and the position of the stream record it came from. */
export interface PendingEvent {
  event: OutgoingEvent;
  recordIndex: number;
}

export interface PublishOutcome {
  published: number;
  /** Events an earlier attempt had published (a retried batch). */
  skipped: number;
  /** Events that went out although another attempt had recorded them too (a race; counted, never expected). */
  publishedTwice: number;
  /** The first record to retry from, when some event could not be published. */
  failedFrom?: number;
  /** Why, with `failedFrom`. */
  error?: unknown;
}

/** PutEvents takes at most 10 entries per call. */
export const ENTRIES_PER_CALL = 10;
const DEFAULT_ATTEMPTS = 4;

export class EntriesNotPublishedError extends Error {
  constructor(readonly errors: string[]) {
    super(`PutEvents refused ${errors.length} entries: ${[...new Set(errors)].join(', ')}`);
    this.name = 'EntriesNotPublishedError';
  }
}

const entryOf = (event: OutgoingEvent, busName: string): BusEntry => ({
  Source: EVENT_SOURCE,
  DetailType: event.detailType,
  Detail: JSON.stringify(event.detail),
  EventBusName: busName,
  Time: new Date(event.time),
});

/**
 * Puts each event on the bus once per committed change, in the records' order:
 * 1. drop the events a claim says an earlier attempt published (`event#<eventId>`, read first);
 * 2. PutEvents in calls of 10; the entries that failed (FailedEntryCount) are sent again, alone;
 * 3. right after each accepted entry, its claim, so a retry of the batch skips it.
 * EventBridge has no idempotency key, so the one window left is between PutEvents' answer and the
 * claim write: a crash exactly there publishes the event again, with the same `eventId`
 * (docs/events.md, "Exactly once"). Claim before publishing would turn that window into a loss.
 */
export async function publishOnce(deps: PublishDeps, pending: readonly PendingEvent[]): Promise<PublishOutcome> {
  const outcome: PublishOutcome = { published: 0, skipped: 0, publishedTwice: 0 };
  // The same change can come twice in one batch (a recalled large-group message is modified again
  // when its notifications are withdrawn): one event.
  const seen = new Set<string>();
  const unique = pending.filter(({ event }) => !seen.has(event.detail.eventId) && seen.add(event.detail.eventId));
  if (unique.length === 0) return outcome;
  const done = await publishedEvents(deps.storage, unique.map(({ event }) => event.detail.eventId));
  const todo = unique.filter(({ event }) => !done.has(event.detail.eventId));
  outcome.skipped = unique.length - todo.length;
  for (let start = 0; start < todo.length; start += ENTRIES_PER_CALL) {
    const chunk = todo.slice(start, start + ENTRIES_PER_CALL);
    try {
      await putChunk(deps, chunk, outcome);
    } catch (error) {
      return { ...outcome, failedFrom: Math.min(...chunk.map((item) => item.recordIndex)), error };
    }
  }
  return outcome;
}

async function putChunk(deps: PublishDeps, chunk: readonly PendingEvent[], outcome: PublishOutcome): Promise<void> {
  const eventIds = chunk.map(({ event }) => event.detail.eventId);
  await deps.checkpoint('events:before-put', { eventIds });
  let remaining = [...chunk];
  let errors: string[] = [];
  for (let attempt = 0; attempt < (deps.attempts ?? DEFAULT_ATTEMPTS) && remaining.length > 0; attempt++) {
    if (attempt > 0) await deps.sleep(Math.min(2_000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2));
    const results = await deps.putEvents(remaining.map(({ event }) => entryOf(event, deps.busName)));
    const accepted = remaining.filter((_, index) => results[index]?.EventId !== undefined && results[index]?.ErrorCode === undefined);
    errors = results.filter((result) => result.ErrorCode !== undefined).map((result) => String(result.ErrorCode));
    await deps.checkpoint('events:put', { eventIds: accepted.map(({ event }) => event.detail.eventId) });
    const now = deps.clock();
    const recorded = await Promise.all(accepted.map(({ event }) => recordPublished(deps.storage, event.detail.eventId, now)));
    outcome.published += accepted.length;
    outcome.publishedTwice += recorded.filter((first) => !first).length;
    remaining = remaining.filter((item) => !accepted.includes(item));
  }
  if (remaining.length > 0) throw new EntriesNotPublishedError(errors);
  await deps.checkpoint('events:claimed', { eventIds });
}
