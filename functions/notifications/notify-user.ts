import { parseConversationId } from '@serverless-im/protocol';
import { isMuted } from '../conversations/mute.js';
import { notificationState } from '../conversations/notification-state.js';
import type { Checkpoint } from '../platform/checkpoints.js';
import { claimPush, completePush, pushClaimId } from '../storage/claims.js';
import { connectionsOf } from '../storage/connections.js';
import { getMessage } from '../storage/conversations/index.js';
import { type DeviceRegistration, devicesOf } from '../storage/devices.js';
import type { Storage } from '../storage/storage.js';
import { DevicesFailedError, PushClaimBusyError } from './errors.js';
import type { NotificationQueue } from './job-queue.js';
import { mentionsOf, type UserNotificationJob } from './jobs.js';
import { type NotificationInput, type NotifiedMessage, publishRequest, type PushPreview } from './notification-content.js';
import type { PushService } from './push-service.js';
import { forgetDeadEndpoint } from './register-device.js';

export interface NotifyDeps {
  storage: Storage;
  push: PushService;
  queue: NotificationQueue;
  clock: () => number;
  checkpoint: Checkpoint;
  preview: PushPreview;
  largeGroups: 'mentions' | 'all';
  /** How long a claimed, unfinished notification belongs to the attempt that claimed it (the worker's timeout and margin). */
  claimLeaseMs: number;
}

/** What one job did, for metrics and tests. */
export interface NotifyOutcome {
  published: number;
  /** Why nothing was published, when nothing was. */
  skipped?: 'noDevices' | 'allConnected' | 'ownMessage' | 'muted' | 'messageMissing';
  gone: number;
}

/** The message a job is about: carried by the job (small messages), else read from its conversation. */
async function messageOf(deps: NotifyDeps, job: UserNotificationJob): Promise<(NotifiedMessage & { mentions: string[] }) | undefined> {
  const source = job.message ?? (await getMessage(deps.storage, job.conversationId, job.conversationSeq));
  // A message recalled before its notification went out notifies nobody.
  if (!source?.body) return undefined;
  return {
    msgId: source.msgId,
    conversationId: job.conversationId,
    conversationSeq: job.conversationSeq,
    from: source.from,
    body: source.body,
    mentions: mentionsOf(source),
  };
}

/**
 * Notifies the user's registered devices that have no live connection of one message: one
 * Publish per device, at most once. Each (user, device, message) is claimed before its Publish
 * and marked done after it, so an SQS redelivery (or a retry after a crash) publishes only what
 * no attempt published yet. The one window left, a crash after SNS accepted the Publish and
 * before the claim is marked, publishes again with the same collapse id, which the phone shows
 * as one notification (docs/guarantees.md).
 */
export async function notifyUser(deps: NotifyDeps, job: UserNotificationJob): Promise<NotifyOutcome> {
  const { storage } = deps;
  const devices = await devicesOf(storage, job.userId);
  if (devices.length === 0) return { published: 0, skipped: 'noDevices', gone: 0 };
  const now = deps.clock();
  const connected = new Set((await connectionsOf(storage, [job.userId], now)).map((connection) => connection.deviceId));
  const offline = devices.filter((device) => !connected.has(device.deviceId));
  if (offline.length === 0) return { published: 0, skipped: 'allConnected', gone: 0 };

  const message = await messageOf(deps, job);
  if (!message) return { published: 0, skipped: 'messageMissing', gone: 0 };
  if (message.from === job.userId) return { published: 0, skipped: 'ownMessage', gone: 0 };
  const state = await notificationState(storage, job.userId, { conversationId: job.conversationId, cseq: job.conversationSeq, from: message.from });
  // A mention of the user overrides their mute.
  if (isMuted(state.membership?.mutedUntil, now) && !message.mentions.includes(job.userId)) return { published: 0, skipped: 'muted', gone: 0 };

  const isGroup = parseConversationId(job.conversationId)?.kind === 'group';
  const input: NotificationInput = {
    message,
    seq: job.seq,
    badge: state.totalUnread,
    ...(isGroup ? { groupTitle: state.title ?? '' } : {}),
    preview: deps.preview,
  };
  const outcome: NotifyOutcome = { published: 0, gone: 0 };
  const failures: { deviceId: string; error: unknown }[] = [];
  // One device after the other: a crash then leaves at most one Publish unrecorded.
  for (const device of offline) {
    try {
      const result = await publishOnce(deps, job, device, input);
      if (result === 'published') outcome.published++;
      if (result === 'gone') outcome.gone++;
    } catch (error) {
      failures.push({ deviceId: device.deviceId, error });
    }
  }
  const busy = failures.find((failure) => failure.error instanceof PushClaimBusyError);
  if (busy) throw busy.error;
  if (failures.length > 0) throw new DevicesFailedError(failures);
  return outcome;
}

async function publishOnce(deps: NotifyDeps, job: UserNotificationJob, device: DeviceRegistration, input: NotificationInput): Promise<'published' | 'gone' | 'already'> {
  const claimId = pushClaimId(job.userId, device.deviceId, job.msgId);
  const claim = await claimPush(deps.storage, claimId, deps.clock(), deps.claimLeaseMs);
  if (claim === 'done') return 'already';
  if (claim === 'busy') throw new PushClaimBusyError(claimId);
  await deps.checkpoint('push:claimed', { userId: job.userId, deviceId: device.deviceId });
  const request = publishRequest(device.platform, input);
  const result = await deps.push.publish(device.endpointArn, request.message, request.attributes);
  if (result === 'gone') await forgetDeadEndpoint(deps, { userId: job.userId, deviceId: device.deviceId }, device.endpointArn);
  await completePush(deps.storage, claimId);
  await deps.checkpoint('push:published', { userId: job.userId, deviceId: device.deviceId });
  return result;
}
