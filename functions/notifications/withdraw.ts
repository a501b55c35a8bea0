import { pushClaimDone, pushClaimId } from '../storage/claims.js';
import { devicesOf } from '../storage/devices.js';
import { collapseIdOf, threadIdOf } from './notification-content.js';
import type { NotifyDeps } from './notify-user.js';

/**
 * For a recall: replaces the notification of a message on every device of the user that got it,
 * where the platform allows. A Publish with the message's collapse id replaces the shown one on
 * APNs; on FCM the conversation's tag replaces it. Neither service can delete a shown notification
 * remotely without app code, so the replacement says the message was deleted, with the new badge.
 */
export async function withdrawNotification(
  deps: Pick<NotifyDeps, 'storage' | 'push'>,
  input: { userId: string; msgId: string; conversationId: string; badge: number },
): Promise<number> {
  let replaced = 0;
  for (const device of await devicesOf(deps.storage, input.userId)) {
    if (!(await pushClaimDone(deps.storage, pushClaimId(input.userId, device.deviceId, input.msgId)))) continue;
    const title = 'Message deleted';
    const body = 'This message was deleted';
    const threadId = threadIdOf(input.conversationId);
    const collapseId = collapseIdOf(input.msgId);
    const message =
      device.platform === 'fcm'
        ? JSON.stringify({
            default: body,
            GCM: JSON.stringify({
              fcmV1Message: {
                message: {
                  notification: { title, body },
                  data: { conversationId: input.conversationId, recalled: input.msgId },
                  android: { priority: 'high', collapse_key: collapseId, notification: { tag: threadId, notification_count: input.badge } },
                },
              },
            }),
          })
        : JSON.stringify({
            default: body,
            [device.platform === 'apns' ? 'APNS' : 'APNS_SANDBOX']: JSON.stringify({
              aps: { alert: { title, body }, badge: input.badge, 'thread-id': threadId },
              conversationId: input.conversationId,
              recalled: input.msgId,
            }),
          });
    const attributes: Record<string, string> =
      device.platform === 'fcm' ? {} : { 'AWS.SNS.MOBILE.APNS.PUSH_TYPE': 'alert', 'AWS.SNS.MOBILE.APNS.COLLAPSE_ID': collapseId };
    if ((await deps.push.publish(device.endpointArn, message, attributes)) === 'published') replaced++;
  }
  return replaced;
}
