import type { Body, PushPlatform } from '@serverless-im/protocol';

/** What a notification may show (deployment setting `pushPreview`). */
export type PushPreview = 'full' | 'sender' | 'none';

/** The message a notification is about, as far as the notification shows it. */
export interface NotifiedMessage {
  msgId: string;
  conversationId: string;
  conversationSeq: number;
  from: string;
  body: Body;
}

export interface NotificationInput {
  message: NotifiedMessage;
  /** The recipient's timeline seq of the message; null in a large group. */
  seq: number | null;
  /** The recipient's totalUnread. */
  badge: number;
  /** Group conversations: the group's title. */
  groupTitle?: string;
  preview: PushPreview;
}

/** One Publish: SNS's per-transport JSON message and its message attributes. */
export interface PublishRequest {
  message: string;
  attributes: Record<string, string>;
  title: string;
  body: string;
}

/** Longest text shown: the notification stays far below APNs' and FCM's 4 KB. */
export const PREVIEW_CHARS = 180;

/** Cuts at a code point boundary, never through a surrogate pair. */
export function preview(text: string, max = PREVIEW_CHARS): string {
  const points = [...text];
  return points.length <= max ? text : `${points.slice(0, max - 1).join('')}…`;
}

/**
 * The collapse id of a message's notification (APNs `apns-collapse-id`, at most 64 bytes; FCM
 * `collapse_key`): a second Publish with it replaces the first on the phone instead of adding one,
 * which is what a recall does, and what makes the rare repeated Publish after a worker crash
 * show once.
 */
export const collapseIdOf = (msgId: string): string => msgId.slice(0, 64);

/** The per-conversation thread id (APNs `thread-id`, FCM `tag`): the phone groups a conversation's notifications. */
export const threadIdOf = (conversationId: string): string => conversationId;

/** Title and body by the preview setting; only `full` lets message text reach Apple or Google. */
export function titleAndBody(input: Pick<NotificationInput, 'message' | 'groupTitle' | 'preview'>): { title: string; body: string } {
  const { message, groupTitle, preview: mode } = input;
  if (mode === 'none') return { title: 'New message', body: 'You have a new message' };
  const text = mode === 'full' && message.body.kind === 'text' ? preview(message.body.text) : 'New message';
  if (groupTitle === undefined) return { title: message.from, body: text };
  return { title: preview(groupTitle, 60), body: `${message.from}: ${text}` };
}

/** The custom data of a notification: where the message is, so a tap opens it and the app can sync. */
export function notificationData(message: NotifiedMessage, seq: number | null): { conversationId: string; conversationSeq: number; seq?: number } {
  return { conversationId: message.conversationId, conversationSeq: message.conversationSeq, ...(seq !== null ? { seq } : {}) };
}

const SNS_TRANSPORT: Record<PushPlatform, 'APNS' | 'APNS_SANDBOX' | 'GCM'> = { apns: 'APNS', 'apns-sandbox': 'APNS_SANDBOX', fcm: 'GCM' };

/**
 * The Publish for one device of `platform`: APNs gets an alert with the badge, the thread id and
 * the data keys next to `aps`; FCM gets an HTTP v1 message whose data values are strings (FCM
 * refuses others), the badge as the Android notification count and the thread id as its tag.
 */
export function publishRequest(platform: PushPlatform, input: NotificationInput, content = titleAndBody(input)): PublishRequest {
  const { title, body } = content;
  const data = notificationData(input.message, input.seq);
  const collapseId = collapseIdOf(input.message.msgId);
  const threadId = threadIdOf(input.message.conversationId);
  if (platform === 'fcm') {
    const fcm = {
      fcmV1Message: {
        message: {
          notification: { title, body },
          data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, String(value)])),
          android: { priority: 'high', collapse_key: collapseId, notification: { tag: threadId, notification_count: input.badge } },
        },
      },
    };
    return { message: JSON.stringify({ default: body, GCM: JSON.stringify(fcm) }), attributes: {}, title, body };
  }
  const apns = { aps: { alert: { title, body }, badge: input.badge, sound: 'default', 'thread-id': threadId }, ...data };
  return {
    message: JSON.stringify({ default: body, [SNS_TRANSPORT[platform]]: JSON.stringify(apns) }),
    attributes: { 'AWS.SNS.MOBILE.APNS.PUSH_TYPE': 'alert', 'AWS.SNS.MOBILE.APNS.PRIORITY': '10', 'AWS.SNS.MOBILE.APNS.COLLAPSE_ID': collapseId },
    title,
    body,
  };
}
