import { describe, expect, it } from 'vitest';
import { collapseIdOf, preview, publishRequest, titleAndBody, type NotificationInput } from '../../../functions/notifications/notification-content.js';

const message = { msgId: 'm0abc123def456ghi789jk', conversationId: 'dm:ann:bob', conversationSeq: 7, from: 'bob', body: { kind: 'text' as const, text: 'see you at 8' } };
const input = (overrides: Partial<NotificationInput> = {}): NotificationInput => ({ message, seq: 12, badge: 3, preview: 'full', ...overrides });

describe('notification content', () => {
  it('shows sender and text (full), only the sender (sender), or nothing (none); groups by title with "sender: "', () => {
    // Act / Assess
    expect(titleAndBody(input())).toEqual({ title: 'bob', body: 'see you at 8' });
    expect(titleAndBody(input({ preview: 'sender' }))).toEqual({ title: 'bob', body: 'New message' });
    expect(titleAndBody(input({ preview: 'none' }))).toEqual({ title: 'New message', body: 'You have a new message' });
    expect(titleAndBody(input({ groupTitle: 'Team' }))).toEqual({ title: 'Team', body: 'bob: see you at 8' });
    expect(titleAndBody(input({ groupTitle: 'Team', preview: 'none' }))).toEqual({ title: 'New message', body: 'You have a new message' });
    // A custom payload is not text for people.
    expect(titleAndBody(input({ message: { ...message, body: { kind: 'custom', type: 'location', payload: { lat: 1 } } } })).body).toBe('New message');
  });

  it('cuts long text at a code point, never through an emoji', () => {
    // Prepare
    const long = '😀'.repeat(300);
    // Act
    const cut = preview(long);
    // Assess
    expect([...cut]).toHaveLength(180);
    expect(cut.endsWith('…')).toBe(true);
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(cut)).toBe(false);
    expect(preview('short')).toBe('short');
  });

  it('APNs: alert, badge, thread-id and data next to aps; the collapse id as a message attribute', () => {
    // Act
    const request = publishRequest('apns', input());
    // Assess
    const structure = JSON.parse(request.message);
    expect(Object.keys(structure).sort()).toEqual(['APNS', 'default']);
    expect(JSON.parse(structure.APNS)).toEqual({
      aps: { alert: { title: 'bob', body: 'see you at 8' }, badge: 3, sound: 'default', 'thread-id': 'dm:ann:bob' },
      conversationId: 'dm:ann:bob',
      conversationSeq: 7,
      seq: 12,
    });
    expect(request.attributes['AWS.SNS.MOBILE.APNS.COLLAPSE_ID']).toBe(message.msgId);
    expect(JSON.parse(publishRequest('apns-sandbox', input()).message).APNS_SANDBOX).toBeDefined();
  });

  it('FCM: an HTTP v1 message with string data, the badge as notification count, the conversation as tag; no seq in a large group', () => {
    // Act
    const fcm = JSON.parse(JSON.parse(publishRequest('fcm', input({ seq: null })).message).GCM);
    // Assess
    expect(fcm.fcmV1Message.message).toEqual({
      notification: { title: 'bob', body: 'see you at 8' },
      data: { conversationId: 'dm:ann:bob', conversationSeq: '7' },
      android: { priority: 'high', collapse_key: message.msgId, notification: { tag: 'dm:ann:bob', notification_count: 3 } },
    });
  });

  it('keeps the collapse id within APNs’ 64 bytes', () => {
    expect(collapseIdOf('m'.repeat(100))).toHaveLength(64);
  });
});
