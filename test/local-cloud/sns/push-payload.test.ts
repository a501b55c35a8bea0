import { describe, expect, it } from 'vitest';
import { pushContent } from '../../../local-cloud/sns/push-payload.js';
import type { MessageAttributeValue } from '../../../local-cloud/sns/query-protocol.js';
import { SnsError } from '../../../local-cloud/sns/sns-error.js';

/** What SNS would hand APNs and FCM for one Publish, and what the phone shows (local-cloud/sns/push-payload.ts). */

const none = new Map<string, MessageAttributeValue>();
const attributes = (entries: Record<string, string>) => new Map(Object.entries(entries).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]));
const json = (transports: Record<string, unknown>) => JSON.stringify(transports);
const refusal = (run: () => unknown): SnsError => {
  try {
    run();
  } catch (error) {
    if (error instanceof SnsError) return error;
    throw error;
  }
  throw new Error('expected SNS to refuse the message');
};

describe('APNs', () => {
  it('builds {"aps":{"alert":TEXT}} from the default text', () => {
    const content = pushContent('hello', undefined, 'APNS', none);
    expect(content.payload).toEqual({ aps: { alert: 'hello' } });
    expect(content).toMatchObject({ title: null, body: 'hello', badge: null, data: {}, pushType: 'alert' });
  });

  it('uses the platform key of the endpoint (APNS_SANDBOX for a sandbox endpoint) and ignores non-string transports', () => {
    const message = json({ default: 'fallback', APNS: JSON.stringify({ aps: { alert: 'production' } }), APNS_SANDBOX: { aps: { alert: 'an object is ignored' } } });
    expect(pushContent(message, 'json', 'APNS', none).body).toBe('production');
    expect(pushContent(message, 'json', 'APNS_SANDBOX', none).body).toBe('fallback');
  });

  it('reads a silent notification as push type background, and the sandbox attributes by either prefix', () => {
    const message = json({ default: 'x', APNS_SANDBOX: JSON.stringify({ aps: { 'content-available': 1 }, conversationId: 'c1' }) });
    const content = pushContent(message, 'json', 'APNS_SANDBOX', attributes({ 'AWS.SNS.MOBILE.APNS.COLLAPSE_ID': 'c1', 'AWS.SNS.MOBILE.APNS_SANDBOX.TTL': '0' }));
    expect(content).toMatchObject({ pushType: 'background', data: { conversationId: 'c1' }, collapseId: 'c1', ttlSeconds: 0 });
  });

  it('refuses a payload over 4 KB, malformed provider JSON, an unknown push type and a bad TTL', () => {
    const big = json({ default: 'x', APNS: JSON.stringify({ aps: { alert: 'y'.repeat(4100) } }) });
    expect(refusal(() => pushContent(big, 'json', 'APNS', none)).message).toBe('Invalid parameter: Message Reason: Invalid notification for protocol APNS: Notification is too long');
    expect(refusal(() => pushContent(json({ APNS: '{"aps":' }), 'json', 'APNS', none)).code).toBe('InvalidParameter');
    expect(refusal(() => pushContent('x', undefined, 'APNS', attributes({ 'AWS.SNS.MOBILE.APNS.PUSH_TYPE': 'loud' }))).code).toBe('InvalidParameter');
    expect(refusal(() => pushContent('x', undefined, 'APNS', attributes({ 'AWS.SNS.MOBILE.APNS.TTL': '-1' }))).code).toBe('InvalidParameter');
  });
});

describe('FCM', () => {
  it('sends the default text as data.default', () => {
    expect(pushContent('hello', undefined, 'GCM', none)).toMatchObject({ payload: { data: { default: 'hello' } }, title: null, body: null, data: { default: 'hello' } });
  });

  it('reads the legacy form: notification, data, collapse_key, time_to_live', () => {
    const legacy = { notification: { title: 'Bob', body: 'hi', tag: 't1', badge: '5' }, data: { seq: '3' }, collapse_key: 'c1', time_to_live: 60, priority: 'high' };
    expect(pushContent(json({ GCM: JSON.stringify(legacy) }), 'json', 'GCM', none)).toMatchObject({
      title: 'Bob',
      body: 'hi',
      badge: 5,
      data: { seq: '3' },
      collapseId: 'c1',
      threadId: 't1',
      ttlSeconds: 60,
      priority: 'high',
    });
  });

  it('reads the v1 form, a TTL attribute over the message TTL, and marks non-string data as refused by FCM', () => {
    const v1 = { fcmV1Message: { message: { android: { ttl: '30s', notification: { title: 'T', body: 'B' } }, data: { seq: 3 } } } };
    const content = pushContent(json({ GCM: JSON.stringify(v1) }), 'json', 'GCM', attributes({ 'AWS.SNS.MOBILE.FCM.TTL': '10' }));
    expect(content).toMatchObject({ title: 'T', body: 'B', ttlSeconds: 10 });
    expect(content.rejectedBecause).toMatch(/^INVALID_ARGUMENT: data\.seq/);
    const withoutAttribute = pushContent(json({ GCM: JSON.stringify({ fcmV1Message: { message: { android: { ttl: '30s' }, data: { seq: '3' } } } }) }), 'json', 'GCM', none);
    expect(withoutAttribute).toMatchObject({ ttlSeconds: 30 });
    expect(withoutAttribute.rejectedBecause).toBeUndefined();
  });

  it('refuses data over 4 KB', () => {
    const big = json({ GCM: JSON.stringify({ data: { text: 'z'.repeat(4100) } }) });
    expect(refusal(() => pushContent(big, 'json', 'GCM', none)).message).toBe('Invalid parameter: Message Reason: Invalid notification for protocol GCM: Notification data is larger than allowed limit');
  });
});
