import { BatchGetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { OutgoingEvent } from '../../../functions/events/event-shapes.js';
import { type BusEntry, type BusEntryResult, type PendingEvent, publishOnce, type PublishDeps } from '../../../functions/events/publish-once.js';
import type { Storage } from '../../../functions/storage/storage.js';

/** A Claims table in memory: the two calls the publisher makes (BatchGetItem, conditional PutItem). */
function claimsTable() {
  const items = new Map<string, Record<string, unknown>>();
  const send = async (command: unknown) => {
    if (command instanceof BatchGetCommand) {
      const keys = Object.values(command.input.RequestItems!)[0]!.Keys as { claimId: string }[];
      return { Responses: { claims: keys.filter((key) => items.has(key.claimId)).map((key) => items.get(key.claimId)!) } };
    }
    if (command instanceof PutCommand) {
      const item = command.input.Item as { claimId: string };
      if (items.has(item.claimId)) throw Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' });
      items.set(item.claimId, item);
      return {};
    }
    throw new Error('unexpected call');
  };
  const storage = { db: { send }, tables: { claims: 'claims' } } as unknown as Storage;
  return { storage, items };
}

const event = (n: number): OutgoingEvent => ({
  detailType: 'message.sent',
  time: 1_000 + n,
  detail: { schemaVersion: 1, eventId: `dm:ann:bob#${n}#1`, conversationId: 'dm:ann:bob', conversationKind: 'direct', conversationSeq: n, msgId: `m${n}`, from: 'ann', ts: 1_000 + n, clientMsgId: `c${n}`, bodyKind: 'text' },
});
const pendingOf = (count: number): PendingEvent[] => Array.from({ length: count }, (_, index) => ({ event: event(index + 1), recordIndex: index }));

function deps(table: ReturnType<typeof claimsTable>, answer: (entries: BusEntry[], call: number) => BusEntryResult[]): PublishDeps & { calls: BusEntry[][] } {
  const calls: BusEntry[][] = [];
  return {
    calls,
    storage: table.storage,
    putEvents: async (entries) => {
      calls.push(entries);
      return answer(entries, calls.length);
    },
    busName: 'bus',
    checkpoint: async () => undefined,
    clock: () => 5_000,
    sleep: async () => undefined,
  };
}

const allAccepted = (entries: BusEntry[]) => entries.map((_, index) => ({ EventId: `e${index}` }));
const idsOf = (entries: BusEntry[]) => entries.map((entry) => (JSON.parse(entry.Detail) as { eventId: string }).eventId);

describe('publishing each event once', () => {
  it('sends 10 entries per PutEvents call, in order, and claims each one after it was accepted', async () => {
    const table = claimsTable();
    const publisher = deps(table, allAccepted);
    const outcome = await publishOnce(publisher, pendingOf(23));
    expect(outcome).toEqual({ published: 23, skipped: 0, publishedTwice: 0 });
    expect(publisher.calls.map((call) => call.length)).toEqual([10, 10, 3]);
    expect(publisher.calls[0]![0]).toEqual({ Source: 'serverless-im', DetailType: 'message.sent', Detail: JSON.stringify(event(1).detail), EventBusName: 'bus', Time: new Date(1_001) });
    expect(table.items.get('event#dm:ann:bob#23#1')).toEqual({ claimId: 'event#dm:ann:bob#23#1', publishedAt: 5_000, expiresAt: 5 + 7 * 24 * 3600 });
  });

  it('a retried batch skips what an earlier attempt claimed, and one change twice in a batch is one event', async () => {
    const table = claimsTable();
    await publishOnce(deps(table, allAccepted), pendingOf(3));
    const retry = deps(table, allAccepted);
    const outcome = await publishOnce(retry, [...pendingOf(5), { event: event(5), recordIndex: 5 }]);
    expect(outcome).toEqual({ published: 2, skipped: 3, publishedTwice: 0 });
    expect(retry.calls.map(idsOf)).toEqual([['dm:ann:bob#4#1', 'dm:ann:bob#5#1']]);
  });

  it('sends only the failed entries again (FailedEntryCount), until accepted', async () => {
    const table = claimsTable();
    const publisher = deps(table, (entries, call) =>
      entries.map((_, index) => (call === 1 && (index === 1 || index === 3) ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' } : { EventId: `e${index}` })),
    );
    const outcome = await publishOnce(publisher, pendingOf(5));
    expect(outcome).toEqual({ published: 5, skipped: 0, publishedTwice: 0 });
    expect(publisher.calls.map(idsOf)).toEqual([['dm:ann:bob#1#1', 'dm:ann:bob#2#1', 'dm:ann:bob#3#1', 'dm:ann:bob#4#1', 'dm:ann:bob#5#1'], ['dm:ann:bob#2#1', 'dm:ann:bob#4#1']]);
    expect(table.items.size).toBe(5);
  });

  it('entries that keep failing make the batch retry from the first record of their call; what was accepted stays claimed', async () => {
    const table = claimsTable();
    const publisher = deps(table, (entries) => entries.map((entry, index) => (idsOf([entry])[0] === 'dm:ann:bob#13#1' ? { ErrorCode: 'InternalFailure' } : { EventId: `e${index}` })));
    const outcome = await publishOnce(publisher, pendingOf(15));
    expect(outcome.failedFrom).toBe(10);
    expect((outcome.error as Error).message).toMatch(/InternalFailure/);
    // The first call's 10 and 4 of the second's are claimed: a retry of the batch from record 10 publishes only #13.
    expect(table.items.size).toBe(14);
    expect(publisher.calls).toHaveLength(1 + 4);
  });

  it('a PutEvents call that throws (network, throttled call) retries from its first record', async () => {
    const table = claimsTable();
    const publisher = deps(table, (entries, call) => {
      if (call === 2) throw new Error('socket hang up');
      return allAccepted(entries);
    });
    const outcome = await publishOnce(publisher, pendingOf(12));
    expect(outcome).toMatchObject({ published: 10, failedFrom: 10 });
  });

  it('counts an event another attempt claimed meanwhile (published twice)', async () => {
    const table = claimsTable();
    const publisher = deps(table, (entries) => {
      // Another attempt claims event 2 between the read and the write.
      table.items.set('event#dm:ann:bob#2#1', { claimId: 'event#dm:ann:bob#2#1' });
      return allAccepted(entries);
    });
    expect(await publishOnce(publisher, pendingOf(2))).toEqual({ published: 2, skipped: 0, publishedTwice: 1 });
  });
});
