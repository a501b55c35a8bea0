import { systemEventSchema } from '@serverless-im/protocol';
import { describe, expect, it } from 'vitest';
import { LISTED_IN_EVENT, membersField, systemEvent } from '../../../functions/membership/system-events.js';

describe('membership system events', () => {
  it('lists up to LISTED_IN_EVENT members and counts bigger changes', () => {
    // Prepare
    const users = (n: number) => [...Array(n).keys()].map((index) => `u${index}`);
    // Act + Assess
    expect(membersField(users(LISTED_IN_EVENT))).toEqual({ members: users(LISTED_IN_EVENT) });
    expect(membersField(users(LISTED_IN_EVENT + 1))).toEqual({ memberCount: LISTED_IN_EVENT + 1 });
  });

  it('builds system items in the protocol’s shape, each with an event id of its own', () => {
    // Act
    const created = systemEvent('g:abcdefgh', 5, 'groupCreated', { by: 'ann', title: 'team', ...membersField(['ann', 'bob']) });
    const again = systemEvent('g:abcdefgh', 5, 'groupCreated', { by: 'ann', title: 'team', ...membersField(['ann', 'bob']) });
    const large = systemEvent('g:abcdefgh', 6, 'groupBecameLarge', { largeSince: 12 });
    // Assess
    expect(created).toMatchObject({ kind: 'system', conversationId: 'g:abcdefgh', ts: 5, system: { event: 'groupCreated', conversationId: 'g:abcdefgh', by: 'ann', title: 'team', members: ['ann', 'bob'] } });
    expect(created.eventId).toMatch(/^g:abcdefgh:groupCreated:5:[0-9a-f]{8}$/);
    expect(again.eventId).not.toBe(created.eventId);
    for (const event of [created, large]) expect(systemEventSchema.safeParse(event.system).success).toBe(true);
  });
});
