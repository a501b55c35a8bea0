import { notificationState } from '../conversations/notification-state.js';
import { pushClaimDone, pushClaimId } from '../storage/claims.js';
import { getMessage } from '../storage/conversations/index.js';
import { type DeviceRegistration, devicesOf } from '../storage/devices.js';
import type { WithdrawNotificationJob } from './jobs.js';
import { collapseIdOf, threadIdOf } from './notification-content.js';
import type { NotifyDeps } from './notify-user.js';
import { forgetDeadEndpoint } from './register-device.js';

/**
 * A recall's notification job: replaces the message's notification where it was shown, with the
 * badge as it is after the recall. Most recipients were online and were never notified, so the
 * devices' push claims are looked at first; the message and the badge (a read of every
 * conversation head of the user) are read only when there is something to replace. Only a message
 * that is recalled now is withdrawn. Running the job again publishes the replacement again under
 * the same collapse id, which the phone shows as one.
 */
export async function withdrawRecalled(deps: Pick<NotifyDeps, 'storage' | 'push'>, job: WithdrawNotificationJob): Promise<number> {
  const shown: DeviceRegistration[] = [];
  for (const device of await devicesOf(deps.storage, job.userId)) {
    if (await pushClaimDone(deps.storage, pushClaimId(job.userId, device.deviceId, job.msgId))) shown.push(device);
  }
  if (shown.length === 0) return 0;
  const message = await getMessage(deps.storage, job.conversationId, job.conversationSeq, true);
  if (message?.recalled !== true || message.msgId !== job.msgId || message.from === job.userId) return 0;
  // cseq 0: the recalled message no longer counts, so nothing is added on top of the heads.
  const { totalUnread } = await notificationState(deps.storage, job.userId, { conversationId: job.conversationId, cseq: 0, from: message.from });
  return replaceNotification(deps, shown, { userId: job.userId, msgId: job.msgId, conversationId: job.conversationId, badge: totalUnread });
}

/**
 * Replaces the notification of a message on the given devices (those that showed it), where the
 * platform allows. A Publish with the message's collapse id replaces the shown one on
 * APNs; on FCM the conversation's tag replaces it. Neither service can delete a shown notification
 * remotely without app code, so the replacement says the message was deleted, with the new badge.
 */
async function replaceNotification(
  deps: Pick<NotifyDeps, 'storage' | 'push'>,
  devices: readonly DeviceRegistration[],
  input: { userId: string; msgId: string; conversationId: string; badge: number },
): Promise<number> {
  let replaced = 0;
  for (const device of devices) {
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
    const result = await deps.push.publish(device.endpointArn, message, attributes);
    if (result === 'published') replaced++;
    else await forgetDeadEndpoint(deps, { userId: input.userId, deviceId: device.deviceId }, device.endpointArn);
  }
  return replaced;
}
