import { randomBytes } from 'node:crypto';
import type { SystemEvent, SystemEventKind } from '@serverless-im/protocol';
import type { SystemJob } from '../fan-out/jobs.js';

/** At most this many user ids are listed inside a system item; bigger changes give a count. */
export const LISTED_IN_EVENT = 100;

/** The users a change is about, as a system item says it: listed, or counted when there are many. */
export const membersField = (members: readonly string[]): Pick<SystemEvent, 'members' | 'memberCount'> =>
  members.length <= LISTED_IN_EVENT ? { members: [...members] } : { memberCount: members.length };

/**
 * A membership change as members' timelines record it (a `system` item). Its event id is the
 * item's key in every timeline, so a redelivered job writes it once.
 */
export function systemEvent(
  conversationId: string,
  ts: number,
  event: SystemEventKind,
  details: Omit<SystemEvent, 'event' | 'conversationId'>,
): Omit<SystemJob, 'recipients'> {
  return {
    kind: 'system',
    conversationId,
    eventId: `${conversationId}:${event}:${ts}:${randomBytes(4).toString('hex')}`,
    ts,
    system: { event, conversationId, ...details },
  };
}
