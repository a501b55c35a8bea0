import { randomUUID } from 'node:crypto';
import { endpointOwner } from './custom-user-data.js';
import { checkMessageSize, validateMessageAttributes } from './message-attributes.js';
import { PlatformStore, type PushPlatform } from './platform-store.js';
import { type PushContent, pushContent } from './push-payload.js';
import type { MessageAttributeValue } from './query-protocol.js';
import { invalidParameter, SnsError } from './sns-error.js';

/**
 * The local SNS's mobile push: platform applications and endpoints (`store`), Publish to an
 * endpoint, and what the phones would have received (`notifications`). Instead of APNs and FCM,
 * every notification is recorded; a test can mark a token as unregistered to get the feedback
 * APNs (410 `Unregistered`) and FCM (`UNREGISTERED`) give for an uninstalled app.
 */

/** One notification as the phone would get it. */
export interface PushNotification extends Omit<PushContent, 'rejectedBecause'> {
  messageId: string;
  endpointArn: string;
  applicationArn: string;
  platform: PushPlatform;
  token: string;
  /** From the endpoint's CustomUserData (`{"userId","deviceId"}`), null when it says neither. */
  userId: string | null;
  deviceId: string | null;
  customUserData: string;
  messageAttributes: Record<string, MessageAttributeValue>;
  /** Epoch milliseconds of the Publish. */
  ts: number;
}

/** A Publish that SNS accepted but the provider did not deliver. */
export interface DeliveryFailure {
  messageId: string;
  endpointArn: string;
  platform: PushPlatform;
  token: string;
  /** The provider's reason: `Unregistered` (APNs 410), `UNREGISTERED` (FCM), `INVALID_ARGUMENT: ...`. */
  reason: string;
  /** Whether SNS disabled the endpoint because of it (it does for an unregistered token). */
  endpointDisabled: boolean;
  ts: number;
}

const MAX_RECORDS = 10_000;

export class LocalSns {
  readonly store: PlatformStore;
  readonly notifications: PushNotification[] = [];
  readonly deliveryFailures: DeliveryFailure[] = [];
  private readonly unregistered = new Set<string>();

  constructor(readonly account: { region: string; accountId: string }) {
    this.store = new PlatformStore(account);
  }

  /**
   * From now on the provider reports this token as no longer registered (the app was
   * uninstalled, or the user turned notifications off). As on AWS, the next Publish to an
   * endpoint with it still succeeds, SNS disables the endpoint (Enabled=false) on the
   * provider's answer, and later Publishes fail with EndpointDisabled. The local cloud disables
   * it before the Publish returns; on AWS it happens moments later.
   */
  unregisterToken(token: string): void {
    this.unregistered.add(token);
    // APNs tokens are kept in lower case by SNS; accept either spelling from a test.
    if (/^[0-9A-Fa-f]+$/.test(token)) this.unregistered.add(token.toLowerCase());
  }

  /** The notifications of a user's devices, oldest first (CustomUserData names the user). */
  notificationsFor(userId: string): PushNotification[] {
    return this.notifications.filter((notification) => notification.userId === userId);
  }

  publish(parameters: {
    targetArn?: string | undefined;
    topicArn?: string | undefined;
    phoneNumber?: string | undefined;
    message?: string | undefined;
    subject?: string | undefined;
    messageStructure?: string | undefined;
    messageAttributes: ReadonlyMap<string, MessageAttributeValue>;
  }): string {
    const { targetArn, topicArn, phoneNumber, message, subject, messageStructure, messageAttributes } = parameters;
    if (message === undefined || message.length === 0) throw invalidParameter('Invalid parameter: Empty message');
    if (subject !== undefined && (subject.length === 0 || subject.length > 100 || /[\r\n]/.test(subject) || !/^[\x20-\x7e]*$/.test(subject))) {
      throw invalidParameter('Invalid parameter: Subject');
    }
    if (messageStructure !== undefined && messageStructure !== 'json') throw invalidParameter('Invalid parameter: MessageStructure');
    validateMessageAttributes(messageAttributes);
    checkMessageSize(message, messageAttributes);
    const targets = [targetArn, topicArn, phoneNumber].filter((value) => value !== undefined && value.length > 0);
    if (targets.length === 0) throw invalidParameter('Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter');
    if (targets.length > 1) throw invalidParameter('Invalid parameter: TopicArn or TargetArn Reason: Only one of TopicArn, TargetArn or PhoneNumber may be specified');
    const target = targets[0]!;
    if (!target.includes(':endpoint/')) {
      throw invalidParameter(`Invalid parameter: ${topicArn ? 'TopicArn' : targetArn ? 'TargetArn' : 'PhoneNumber'} Reason: the local SNS delivers to mobile endpoints only (topics and SMS are not emulated)`);
    }

    const endpoint = this.store.findEndpoint(target);
    if (!endpoint) throw invalidParameter('Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified');
    const application = this.store.application(endpoint.applicationArn);
    if (application.attributes.Enabled === 'false') throw new SnsError('PlatformApplicationDisabled', 400, 'Platform application is disabled');
    if (!endpoint.enabled) throw new SnsError('EndpointDisabled', 400, 'Endpoint is disabled');

    const content = pushContent(message, messageStructure, endpoint.platform, messageAttributes);
    const messageId = randomUUID();
    const ts = Date.now();
    const failure = (reason: string, endpointDisabled: boolean): void => {
      this.deliveryFailures.push({ messageId, endpointArn: endpoint.arn, platform: endpoint.platform, token: endpoint.token, reason, endpointDisabled, ts });
      if (this.deliveryFailures.length > MAX_RECORDS) this.deliveryFailures.splice(0, this.deliveryFailures.length - MAX_RECORDS / 2);
    };
    if (this.unregistered.has(endpoint.token)) {
      endpoint.enabled = false;
      failure(endpoint.platform === 'GCM' ? 'UNREGISTERED' : 'Unregistered', true);
      return messageId;
    }
    if (content.rejectedBecause) {
      failure(content.rejectedBecause, false);
      return messageId;
    }
    const { rejectedBecause: _none, ...delivered } = content;
    const owner = endpointOwner(endpoint.customUserData);
    this.notifications.push({
      ...delivered,
      messageId,
      endpointArn: endpoint.arn,
      applicationArn: endpoint.applicationArn,
      platform: endpoint.platform,
      token: endpoint.token,
      userId: owner?.userId ?? null,
      deviceId: owner?.deviceId ?? null,
      customUserData: endpoint.customUserData,
      messageAttributes: Object.fromEntries(messageAttributes),
      ts,
    });
    if (this.notifications.length > MAX_RECORDS) this.notifications.splice(0, this.notifications.length - MAX_RECORDS / 2);
    return messageId;
  }
}
