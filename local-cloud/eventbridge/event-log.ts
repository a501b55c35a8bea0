import type { AcceptedEvent } from './put-events.js';

export interface RecordedEvent extends AcceptedEvent {
  /** When the local EventBridge accepted it (epoch ms). */
  receivedAt: number;
}

export interface EventFilter {
  source?: string;
  detailType?: string;
  eventBusName?: string;
}

/**
 * Every event the local EventBridge accepted, oldest first: what a rule with an all-matching
 * pattern would have seen. Bounded, so a long `npm start` session does not grow without end.
 */
export class EventLog {
  private readonly events: RecordedEvent[] = [];

  constructor(private readonly capacity = 10_000) {}

  record(event: AcceptedEvent, receivedAt = Date.now()): void {
    this.events.push({ ...event, receivedAt });
    if (this.events.length > this.capacity) this.events.splice(0, this.events.length - this.capacity);
  }

  list(filter: EventFilter = {}): RecordedEvent[] {
    return this.events.filter(
      ({ eventBusName, event }) =>
        (filter.source === undefined || event.source === filter.source) &&
        (filter.detailType === undefined || event['detail-type'] === filter.detailType) &&
        (filter.eventBusName === undefined || eventBusName === filter.eventBusName),
    );
  }

  get size(): number {
    return this.events.length;
  }
}
