import { describe, expect, it } from 'vitest';
import { EventLog } from '../../../local-cloud/eventbridge/event-log.js';
import { entrySize, MAX_TOTAL_ENTRY_BYTES, putEvents } from '../../../local-cloud/eventbridge/put-events.js';

const buses = [
  { name: 'default', arn: 'arn:aws:events:us-east-1:123456789012:event-bus/default' },
  { logicalId: 'Bus', name: 'chat-events', arn: 'arn:aws:events:us-east-1:123456789012:event-bus/chat-events' },
];
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0, 123);
const context = { region: 'us-east-1', accountId: '123456789012', buses, now: () => NOW };
const entry = (overrides: Record<string, unknown> = {}) => ({ Source: 'im.server', DetailType: 'message.sent', Detail: '{"msgId":"m1"}', EventBusName: 'chat-events', ...overrides });

describe('PutEvents', () => {
  it('accepts an entry into EventBridge’s envelope', () => {
    const outcome = putEvents({ Entries: [entry({ Resources: ['arn:aws:dynamodb:us-east-1:123456789012:table/T'] })] }, context);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.result.FailedEntryCount).toBe(0);
    const [accepted] = outcome.accepted;
    expect(accepted).toEqual({
      eventBusName: 'chat-events',
      eventBusArn: buses[1]!.arn,
      event: {
        version: '0',
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
        'detail-type': 'message.sent',
        source: 'im.server',
        account: '123456789012',
        time: '2026-01-15T12:00:00Z',
        region: 'us-east-1',
        resources: ['arn:aws:dynamodb:us-east-1:123456789012:table/T'],
        detail: { msgId: 'm1' },
      },
    });
    expect(outcome.result.Entries).toEqual([{ EventId: accepted!.event.id }]);
  });

  it('takes the entry’s Time (epoch seconds from the SDK, or ISO), the bus by name or ARN, and the default bus when none is named', () => {
    const outcome = putEvents({ Entries: [entry({ Time: 1700000000.5 }), entry({ EventBusName: buses[1]!.arn, Time: '2024-02-03T04:05:06Z' }), entry({ EventBusName: undefined })] }, context);
    if (!outcome.ok) throw new Error('refused');
    expect(outcome.accepted.map(({ eventBusName, event }) => [eventBusName, event.time])).toEqual([
      ['chat-events', '2023-11-14T22:13:20Z'],
      ['chat-events', '2024-02-03T04:05:06Z'],
      ['default', '2026-01-15T12:00:00Z'],
    ]);
  });

  it('fails bad entries one by one, in order, and puts the rest', () => {
    const outcome = putEvents(
      {
        Entries: [
          entry({ Source: undefined }),
          entry(),
          entry({ DetailType: '' }),
          entry({ Detail: undefined }),
          entry({ Detail: '{not json' }),
          entry({ Detail: '["an","array"]' }),
          entry({ EventBusName: 'no-such-bus' }),
          entry({ Source: 'aws.s3' }),
          entry({ Detail: '{"n":2}' }),
        ],
      },
      context,
    );
    if (!outcome.ok) throw new Error('refused');
    expect(outcome.result.FailedEntryCount).toBe(7);
    expect(outcome.result.Entries.map((result) => ('EventId' in result ? 'ok' : result))).toEqual([
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.' },
      'ok',
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Event bus no-such-bus does not exist.' },
      { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' },
      'ok',
    ]);
    expect(outcome.accepted.map(({ event }) => event.detail)).toEqual([{ msgId: 'm1' }, { n: 2 }]);
  });

  it('counts entry sizes as the user guide does, and refuses a request over 256 KB as a whole', () => {
    expect(entrySize({ Source: 'ab', DetailType: 'cd', Detail: '{"é":1}', Resources: ['r1', 'r2'] })).toBe(2 + 2 + 8 + 4); // é is 2 bytes
    expect(entrySize({ Source: 'a', DetailType: 'b', Detail: '{}', Time: 1 })).toBe(14 + 1 + 1 + 2);
    const fixed = entrySize(entry({ Detail: '{"p":""}' }));
    const padTo = (bytes: number) => entry({ Detail: JSON.stringify({ p: 'x'.repeat(bytes - fixed) }) });
    expect(entrySize(padTo(MAX_TOTAL_ENTRY_BYTES))).toBe(MAX_TOTAL_ENTRY_BYTES);
    expect(putEvents({ Entries: [padTo(MAX_TOTAL_ENTRY_BYTES)] }, context).ok).toBe(true);
    expect(putEvents({ Entries: [padTo(MAX_TOTAL_ENTRY_BYTES + 1)] }, context)).toEqual({ ok: false, type: 'ValidationException', message: 'Total size of the entries in the request is over the limit.' });
    // The limit is on the entries together, even when each is small enough.
    const half = padTo(MAX_TOTAL_ENTRY_BYTES / 2 + 1);
    expect(putEvents({ Entries: [half, half] }, context)).toMatchObject({ ok: false, type: 'ValidationException' });
  });

  it('takes 1 to 10 entries', () => {
    expect(putEvents({ Entries: Array.from({ length: 10 }, () => entry()) }, context).ok).toBe(true);
    expect(putEvents({ Entries: Array.from({ length: 11 }, () => entry()) }, context)).toMatchObject({ ok: false, type: 'ValidationException', message: expect.stringContaining('less than or equal to 10') });
    expect(putEvents({ Entries: [] }, context)).toMatchObject({ ok: false, type: 'ValidationException', message: expect.stringContaining('greater than or equal to 1') });
    expect(putEvents({}, context)).toMatchObject({ ok: false, type: 'ValidationException' });
  });
});

describe('the event log', () => {
  it('keeps events oldest first, filters them, and forgets the oldest beyond its capacity', () => {
    const log = new EventLog(3);
    const outcome = putEvents({ Entries: [entry({ Source: 'a' }), entry({ Source: 'b', DetailType: 'group.changed' }), entry({ Source: 'a', EventBusName: 'default' }), entry({ Source: 'c' })] }, context);
    if (!outcome.ok) throw new Error('refused');
    for (const accepted of outcome.accepted) log.record(accepted);
    expect(log.list().map(({ event }) => event.source)).toEqual(['b', 'a', 'c']);
    expect(log.list({ source: 'a' }).map(({ eventBusName }) => eventBusName)).toEqual(['default']);
    expect(log.list({ detailType: 'group.changed' }).map(({ event }) => event.source)).toEqual(['b']);
    expect(log.list({ eventBusName: 'chat-events', source: 'c' })).toHaveLength(1);
  });
});
