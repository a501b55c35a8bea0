import { invalidParameter } from './sns-error.js';
import type { PushPlatform } from './platform-store.js';
import type { MessageAttributeValue } from './query-protocol.js';

/**
 * What SNS hands to APNs or FCM for one Publish to an endpoint, and what the phone would show.
 *
 * With `MessageStructure: json` the message is a JSON object whose keys are transports: the
 * endpoint's platform key (`APNS`, `APNS_SANDBOX`, `GCM`) holds the provider payload as a JSON
 * string; `default` is the text used when that key is absent. Without it the message is that text.
 * From the default text SNS builds `{"aps":{"alert":TEXT}}` for APNs and `{"data":{"default":TEXT}}`
 * for FCM.
 */

export interface PushContent {
  /** The payload the provider receives (APNs JSON, or the FCM message). */
  payload: Record<string, unknown>;
  title: string | null;
  body: string | null;
  badge: number | null;
  /** Custom keys: the APNs payload's keys other than `aps`, or FCM's `data`. */
  data: Record<string, unknown>;
  /** APNs `apns-collapse-id` (AWS.SNS.MOBILE.APNS.COLLAPSE_ID) or FCM `collapse_key`. */
  collapseId: string | null;
  /** APNs `thread-id`, or FCM's notification `tag`. */
  threadId: string | null;
  /** APNs push type (AWS.SNS.MOBILE.APNS.PUSH_TYPE, else `alert`/`background` from the content). */
  pushType: string | null;
  ttlSeconds: number | null;
  priority: string | null;
  /** Set when the provider would refuse the payload (FCM's INVALID_ARGUMENT): nothing reaches the phone. */
  rejectedBecause?: string;
}

/** APNs refuses payloads over 4 KB; FCM data over 4 KB. SNS checks both before it publishes. */
const PROVIDER_LIMIT_BYTES = 4096;
const APNS_PUSH_TYPES = new Set(['alert', 'background', 'voip', 'complication', 'fileprovider', 'mdm', 'liveactivity', 'location', 'pushtotalk', 'widgets', 'controls']);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The text of the transport to use, from the Publish's Message and MessageStructure. */
export function transportMessage(message: string, structure: string | undefined, platform: PushPlatform): { platformJson?: string; defaultText?: string } {
  if (structure !== 'json') return { defaultText: message };
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw invalidParameter('Invalid parameter: Message Structure - JSON message body failed to parse');
  }
  if (!isRecord(parsed)) throw invalidParameter('Invalid parameter: Message Structure - JSON message body failed to parse');
  // Keys whose values are not strings are ignored, as SNS does.
  const platformJson = text(parsed[platform]) ?? undefined;
  const defaultText = text(parsed.default) ?? undefined;
  if (platformJson === undefined && defaultText === undefined) throw invalidParameter('Invalid parameter: Message Structure - No default entry in JSON message body');
  return { ...(platformJson !== undefined ? { platformJson } : {}), ...(defaultText !== undefined ? { defaultText } : {}) };
}

function mobileAttribute(attributes: ReadonlyMap<string, MessageAttributeValue>, platform: PushPlatform, name: string): string | undefined {
  const family = platform === 'GCM' ? ['GCM', 'FCM'] : [platform, 'APNS'];
  for (const prefix of family) {
    const value = attributes.get(`AWS.SNS.MOBILE.${prefix}.${name}`)?.StringValue;
    if (value !== undefined) return value;
  }
  return undefined;
}

function ttlOf(attributes: ReadonlyMap<string, MessageAttributeValue>, platform: PushPlatform): number | null {
  const raw = mobileAttribute(attributes, platform, 'TTL');
  if (raw === undefined) return null;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 0) throw invalidParameter(`Invalid parameter: MessageAttributes Reason: AWS.SNS.MOBILE.${platform}.TTL must be a non-negative integer`);
  return seconds;
}

function parseProviderJson(platformJson: string, platform: PushPlatform): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(platformJson);
  } catch {
    parsed = undefined;
  }
  if (!isRecord(parsed)) throw invalidParameter(`Invalid parameter: Message Reason: Invalid notification for protocol ${platform}: Notification is malformed`);
  return parsed;
}

function apnsContent(platformJson: string | undefined, defaultText: string | undefined, platform: PushPlatform, attributes: ReadonlyMap<string, MessageAttributeValue>): PushContent {
  const payload = platformJson !== undefined ? parseProviderJson(platformJson, platform) : { aps: { alert: defaultText } };
  if (Buffer.byteLength(JSON.stringify(payload)) > PROVIDER_LIMIT_BYTES) throw invalidParameter(`Invalid parameter: Message Reason: Invalid notification for protocol ${platform}: Notification is too long`);
  const aps = isRecord(payload.aps) ? payload.aps : {};
  const alert = aps.alert;
  const data = Object.fromEntries(Object.entries(payload).filter(([key]) => key !== 'aps'));
  let pushType = mobileAttribute(attributes, platform, 'PUSH_TYPE') ?? null;
  if (pushType !== null && !APNS_PUSH_TYPES.has(pushType)) throw invalidParameter(`Invalid parameter: MessageAttributes Reason: ${pushType} is not a valid APNs push type`);
  // SNS picks the push type from the content when none is given.
  const visible = alert !== undefined || aps.badge !== undefined || aps.sound !== undefined;
  pushType ??= !visible && aps['content-available'] === 1 ? 'background' : 'alert';
  return {
    payload,
    title: isRecord(alert) ? text(alert.title) : null,
    body: isRecord(alert) ? text(alert.body) : text(alert),
    badge: typeof aps.badge === 'number' ? aps.badge : null,
    data,
    collapseId: mobileAttribute(attributes, platform, 'COLLAPSE_ID') ?? null,
    threadId: text(aps['thread-id']),
    pushType,
    ttlSeconds: ttlOf(attributes, platform),
    priority: mobileAttribute(attributes, platform, 'PRIORITY') ?? null,
  };
}

/**
 * FCM payloads come in two forms: the HTTP v1 message under `fcmV1Message.message` (what SNS
 * sends to FCM since 2024), and the legacy form (`notification`, `data`, `collapse_key`,
 * `time_to_live`) that SNS translates. FCM v1 refuses `data` values that are not strings.
 */
function fcmContent(platformJson: string | undefined, defaultText: string | undefined, attributes: ReadonlyMap<string, MessageAttributeValue>): PushContent {
  const payload = platformJson !== undefined ? parseProviderJson(platformJson, 'GCM') : { data: { default: defaultText } };
  const v1 = isRecord(payload.fcmV1Message) && isRecord(payload.fcmV1Message.message) ? payload.fcmV1Message.message : undefined;
  const message = v1 ?? payload;
  const notification = isRecord(message.notification) ? message.notification : {};
  const android = v1 && isRecord(v1.android) ? v1.android : {};
  const androidNotification = isRecord(android.notification) ? android.notification : {};
  const data = isRecord(message.data) ? message.data : {};
  if (Buffer.byteLength(JSON.stringify(data)) > PROVIDER_LIMIT_BYTES) throw invalidParameter('Invalid parameter: Message Reason: Invalid notification for protocol GCM: Notification data is larger than allowed limit');

  const count = v1 ? androidNotification.notification_count : notification.badge;
  const badge = typeof count === 'number' ? count : typeof count === 'string' && /^\d+$/.test(count) ? Number(count) : null;
  const legacyTtl = typeof payload.time_to_live === 'number' ? payload.time_to_live : null;
  const v1Ttl = typeof android.ttl === 'string' && /^\d+(\.\d+)?s$/.test(android.ttl) ? Math.floor(Number(android.ttl.slice(0, -1))) : null;
  const nonString = v1 ? Object.entries(data).find(([, value]) => typeof value !== 'string') : undefined;
  return {
    payload,
    title: text(notification.title) ?? text(androidNotification.title),
    body: text(notification.body) ?? text(androidNotification.body),
    badge,
    data,
    collapseId: text(v1 ? android.collapse_key : payload.collapse_key),
    threadId: text(v1 ? androidNotification.tag : notification.tag),
    pushType: null,
    ttlSeconds: ttlOf(attributes, 'GCM') ?? v1Ttl ?? legacyTtl,
    priority: mobileAttribute(attributes, 'GCM', 'PRIORITY') ?? text(v1 ? android.priority : payload.priority),
    ...(nonString ? { rejectedBecause: `INVALID_ARGUMENT: data.${nonString[0]} must be a string (FCM v1 data values are strings)` } : {}),
  };
}

/** The notification one Publish sends to an endpoint of `platform`. Throws SNS's InvalidParameter for what SNS refuses. */
export function pushContent(message: string, structure: string | undefined, platform: PushPlatform, attributes: ReadonlyMap<string, MessageAttributeValue>): PushContent {
  const { platformJson, defaultText } = transportMessage(message, structure, platform);
  return platform === 'GCM' ? fcmContent(platformJson, defaultText, attributes) : apnsContent(platformJson, defaultText, platform, attributes);
}
