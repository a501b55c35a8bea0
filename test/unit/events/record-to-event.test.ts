import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { eventOfRecord, messageEventId } from '../../../functions/events/record-to-event.js';
import { eventClaimId } from '../../../functions/storage/claims.js';
import type { StreamRecord } from '../../../functions/storage/stream-records.js';

const record = (eventName: 'INSERT' | 'MODIFY' | 'REMOVE', image: Record<string, unknown>): StreamRecord => ({
  eventName,
  dynamodb: { NewImage: marshall(image, { removeUndefinedValues: true }) as Record<string, unknown>, SequenceNumber: '1' },
});

const off = { includeBody: false };
const on = { includeBody: true };
const direct = 'dm:ann:bob';
const message = { conversationId: direct, cseq: 3, msgId: 'm3', from: 'ann', body: { kind: 'text', text: 'hi' }, ts: 1_000, clientMsgId: 'c3', senderSeq: 5, recipientSeq: 9 };

describe('which stream record is which event', () => {
  it('a new message item is message.sent, without its body unless the deployment allows it', () => {
    const sent = eventOfRecord(record('INSERT', message), off);
    expect(sent).toEqual({
      detailType: 'message.sent',
      time: 1_000,
      detail: {
        schemaVersion: 1,
        eventId: 'dm:ann:bob#3#1',
        conversationId: direct,
        conversationKind: 'direct',
        members: ['ann', 'bob'],
        conversationSeq: 3,
        msgId: 'm3',
        from: 'ann',
        ts: 1_000,
        clientMsgId: 'c3',
        bodyKind: 'text',
      },
    });
    expect(eventOfRecord(record('INSERT', message), on)!.detail).toMatchObject({ body: { kind: 'text', text: 'hi' } });
  });

  it('a report item is message.reported once (its INSERT), with who reported what and why, never a message.sent', () => {
    const report = {
      conversationId: `report#${direct}#bob`,
      cseq: 3,
      recordType: 'report',
      reportedConversationId: direct,
      conversationSeq: 3,
      msgId: 'm3',
      author: 'ann',
      reporter: 'bob',
      reason: 'spam',
      reportedAt: 5_000,
    };
    expect(eventOfRecord(record('INSERT', report), on)).toEqual({
      detailType: 'message.reported',
      time: 5_000,
      detail: {
        schemaVersion: 1,
        eventId: `report#${direct}#bob#3`,
        conversationId: direct,
        conversationKind: 'direct',
        members: ['ann', 'bob'],
        conversationSeq: 3,
        msgId: 'm3',
        author: 'ann',
        reporter: 'bob',
        reason: 'spam',
        reportedAt: 5_000,
      },
    });
    expect(eventOfRecord(record('MODIFY', report), on)).toBeUndefined();
    const group = eventOfRecord(record('INSERT', { ...report, conversationId: 'report#g:abcdefgh#bob', reportedConversationId: 'g:abcdefgh' }), off)!.detail;
    expect(group).toMatchObject({ conversationKind: 'group', eventId: 'report#g:abcdefgh#bob#3' });
    expect(group).not.toHaveProperty('members');
  });

  it('a group message tells its delivery and mentions, and names no members', () => {
    const group = { ...message, conversationId: 'g:abcdefgh', mentions: ['bob'], fanOut: 'read', senderSeq: undefined, recipientSeq: undefined };
    const detail = eventOfRecord(record('INSERT', group), off)!.detail;
    expect(detail).toMatchObject({ conversationKind: 'group', delivery: 'read', mentions: ['bob'], eventId: 'g:abcdefgh#3#1' });
    expect(detail).not.toHaveProperty('members');
  });

  it('an edit or a recall (MODIFY with a version) is message.updated; reactions and housekeeping are none', () => {
    const edited = { ...message, body: { kind: 'text', text: 'hi!' }, editedAt: 2_000, version: 2, lastChange: { kind: 'edit', by: 'ann', at: 2_000 } };
    expect(eventOfRecord(record('MODIFY', edited), off)).toEqual({
      detailType: 'message.updated',
      time: 2_000,
      detail: expect.objectContaining({ eventId: 'dm:ann:bob#3#2', change: 'edited', version: 2, changedBy: 'ann', changedAt: 2_000, bodyKind: 'text' }),
    });
    expect(eventOfRecord(record('MODIFY', edited), off)!.detail).not.toHaveProperty('body');
    expect(eventOfRecord(record('MODIFY', edited), on)!.detail).toMatchObject({ body: { kind: 'text', text: 'hi!' } });

    const { body: _body, ...rest } = message;
    const recalled = { ...rest, recalled: true, version: 4, lastChange: { kind: 'recall', by: 'owner', at: 3_000 } };
    const detail = eventOfRecord(record('MODIFY', recalled), on)!.detail;
    expect(detail).toMatchObject({ eventId: 'dm:ann:bob#3#4', change: 'recalled', changedBy: 'owner' });
    expect(detail).not.toHaveProperty('body');
    expect(detail).not.toHaveProperty('bodyKind');

    expect(eventOfRecord(record('MODIFY', { ...message, version: 3, reactions: { '👍': ['bob'] }, lastChange: { kind: 'react', by: 'bob', at: 4 } }), on)).toBeUndefined();
    // A message modified without a change of its own (none today) publishes nothing.
    expect(eventOfRecord(record('MODIFY', message), on)).toBeUndefined();
  });

  it('the same change always has the same id, and a recall modified again (notifications withdrawn) keeps it', () => {
    const { body: _body, ...rest } = message;
    const recalled = { ...rest, fanOut: 'read', recalled: true, version: 2, withdrawPending: true, lastChange: { kind: 'recall', by: 'ann', at: 3 } };
    const { withdrawPending: _pending, ...cleared } = recalled;
    expect(eventOfRecord(record('MODIFY', recalled), off)!.detail.eventId).toBe(eventOfRecord(record('MODIFY', cleared), off)!.detail.eventId);
    expect(messageEventId('g:abc', 1, 11)).not.toBe(messageEventId('g:abc', 11, 1));
    expect(eventClaimId(messageEventId(direct, 3, 1))).toBe('event#dm:ann:bob#3#1');
  });

  it('a message rewritten long after its last change (an anonymization, say) does not publish that change again', () => {
    const edited = { ...message, version: 2, lastChange: { kind: 'edit', by: 'ann', at: 1_000_000 } };
    const at = (seconds: number): StreamRecord => ({ ...record('MODIFY', edited), dynamodb: { ...record('MODIFY', edited).dynamodb, ApproximateCreationDateTime: seconds } });
    expect(eventOfRecord(at(1_000 + 60), off)).toBeDefined();
    expect(eventOfRecord(at(1_000 + 2 * 24 * 3600), off)).toBeUndefined();
  });

  it('heads, the change log and removed items are no events', () => {
    expect(eventOfRecord(record('INSERT', { conversationId: 'g:abcdefgh', cseq: 0, kind: 'group', title: 't', owner: 'ann', memberCount: 2, lastCseq: 0 }), off)).toBeUndefined();
    expect(eventOfRecord(record('MODIFY', { conversationId: direct, cseq: 0, ownLo: 3 }), off)).toBeUndefined();
    expect(eventOfRecord(record('INSERT', { conversationId: direct, cseq: -1, target: 3, version: 2, ts: 1 }), off)).toBeUndefined();
    expect(eventOfRecord({ eventName: 'REMOVE', dynamodb: { SequenceNumber: '1' } }, off)).toBeUndefined();
  });

  it('the actor’s system item of a membership change is group.changed; the other members’ copies are none', () => {
    const system = { event: 'membersAdded', conversationId: 'g:abcdefgh', by: 'ann', members: ['cid'] };
    const item = { userId: 'ann', seq: 7, type: 'system', itemKey: 'g:abcdefgh:membersAdded:5:abcd', ts: 5, system, origin: true };
    expect(eventOfRecord(record('INSERT', item), off)).toEqual({
      detailType: 'group.changed',
      time: 5,
      detail: { schemaVersion: 1, eventId: 'g:abcdefgh:membersAdded:5:abcd', conversationId: 'g:abcdefgh', change: 'membersAdded', ts: 5, by: 'ann', members: ['cid'] },
    });
    const { origin: _origin, ...copy } = item;
    expect(eventOfRecord(record('INSERT', { ...copy, userId: 'bob' }), off)).toBeUndefined();
    // Timeline messages are delivery copies: the Conversations item is the message's event.
    expect(eventOfRecord(record('INSERT', { userId: 'bob', seq: 8, type: 'message', itemKey: 'm3', ts: 1, message: { ...message, conversationSeq: 3 } }), off)).toBeUndefined();
    const large = { ...item, itemKey: 'g:abcdefgh:groupBecameLarge:6:ef01', system: { event: 'groupBecameLarge', conversationId: 'g:abcdefgh', largeSince: 12 } };
    expect(eventOfRecord(record('INSERT', large), off)!.detail).toEqual({ schemaVersion: 1, eventId: large.itemKey, conversationId: 'g:abcdefgh', change: 'groupBecameLarge', ts: 5, largeSince: 12 });
  });
});
