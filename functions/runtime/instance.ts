import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type AttachmentPolicy, attachmentPolicyOf } from '../attachments/attachment-policy.js';
import { type AttachmentObjects, s3AttachmentObjects } from '../attachments/object-store.js';
import type { PushPlatform } from '@serverless-im/protocol';
import type { JobQueue } from '../fan-out/job-queue.js';
import type { NotificationQueue } from '../notifications/job-queue.js';
import { type PushService, snsPushService } from '../notifications/push-service.js';
import { requiredEnv } from '../platform/env.js';
import type { ConnectionCloser } from '../connections/disconnect-user.js';
import type { LivenessDeps } from '../connections/liveness.js';
import { createConnectionCloser } from '../push/connection-closer.js';
import { createConnectionProbe } from '../push/connection-probe.js';
import { CONNECT_GRACE_MS, createPusher, type Pusher } from '../push/pusher.js';
import type { Storage, Tables } from '../storage/storage.js';
import { dynamoDb, s3 } from './aws-clients.js';

/**
 * What one Lambda instance creates once and reuses across invocations: the storage (client and
 * table names from the environment), the pusher and the fan-out queue.
 */

/** Table names from the environment; a function only reads the ones it was given. */
export function tablesFromEnv(): Tables {
  const optional = (name: string): string => process.env[name] ?? '';
  return {
    connections: requiredEnv('CONNECTIONS_TABLE'),
    connectionsByUser: optional('CONNECTIONS_BY_USER_INDEX') || 'byUser',
    connectionsByTokenExpiry: optional('CONNECTIONS_BY_TOKEN_EXPIRY_INDEX') || 'byTokenExpiry',
    timelines: optional('TIMELINES_TABLE'),
    conversations: optional('CONVERSATIONS_TABLE'),
    memberships: optional('MEMBERSHIPS_TABLE'),
    membershipsByGroup: optional('MEMBERSHIPS_BY_GROUP_INDEX') || 'byGroup',
    claims: optional('CLAIMS_TABLE'),
    groupListeners: optional('GROUP_LISTENERS_TABLE'),
    devices: optional('DEVICES_TABLE'),
    devicesByEndpoint: optional('DEVICES_BY_ENDPOINT_INDEX') || 'byEndpoint',
  };
}

let storage: Storage | undefined;
let pusher: Pusher | undefined;
let jobQueue: JobQueue | undefined;

/** Storage for this Lambda instance, from the table names in its environment. */
export function storageFromEnv(): Storage {
  storage ??= { db: dynamoDb(), tables: tablesFromEnv() };
  return storage;
}

/** The pusher for this Lambda instance, talking to the stage's Management API. */
export function pusherFromEnv(): Pusher {
  pusher ??= createPusher({
    storage: storageFromEnv(),
    managementEndpoint: requiredEnv('MANAGEMENT_API_URL'),
    clock: Date.now,
    // Tests shorten it to see a stale record dropped at once.
    ...(process.env.CONNECT_GRACE_MS ? { connectGraceMs: Number(process.env.CONNECT_GRACE_MS) } : {}),
  });
  return pusher;
}

let closer: ConnectionCloser | undefined;

/** DeleteConnection for this Lambda instance (closing a connection whose token expired). */
export function closerFromEnv(): ConnectionCloser {
  closer ??= createConnectionCloser(requiredEnv('MANAGEMENT_API_URL'));
  return closer;
}

let liveness: LivenessDeps | undefined;

/** What asks API Gateway whether a connection is still open (presence, the connection cap). */
export function livenessFromEnv(): LivenessDeps {
  liveness ??= {
    storage: storageFromEnv(),
    probe: createConnectionProbe(requiredEnv('MANAGEMENT_API_URL')),
    clock: Date.now,
    connectGraceMs: process.env.CONNECT_GRACE_MS ? Number(process.env.CONNECT_GRACE_MS) : CONNECT_GRACE_MS,
  };
  return liveness;
}

/** The group fan-out queue for this Lambda instance. */
export function jobQueueFromEnv(): JobQueue {
  jobQueue ??= { client: new SQSClient({}), queueUrl: requiredEnv('FAN_OUT_QUEUE_URL') };
  return jobQueue;
}

let attachmentObjects: AttachmentObjects | undefined;

/** The attachments bucket for this Lambda instance. */
export function attachmentObjectsFromEnv(): AttachmentObjects {
  attachmentObjects ??= s3AttachmentObjects(s3(), requiredEnv('ATTACHMENTS_BUCKET'));
  return attachmentObjects;
}

/** What this deployment allows of attachments (sizes, types, quota). */
export function attachmentPolicyFromEnv(): AttachmentPolicy {
  return attachmentPolicyOf({
    maxBytes: requiredEnv('MAX_ATTACHMENT_BYTES'),
    contentTypes: requiredEnv('ATTACHMENT_CONTENT_TYPES'),
    dailyQuotaBytes: requiredEnv('ATTACHMENT_DAILY_QUOTA_BYTES'),
  });
}

let notificationQueue: NotificationQueue | undefined;
let pushService: PushService | undefined;

/** The notification queue for this Lambda instance. */
export function notificationQueueFromEnv(): NotificationQueue {
  notificationQueue ??= { client: new SQSClient({}), queueUrl: requiredEnv('PUSH_QUEUE_URL') };
  return notificationQueue;
}

/** Amazon SNS mobile push for this Lambda instance. */
export function pushServiceFromEnv(): PushService {
  pushService ??= snsPushService(new SNSClient({}));
  return pushService;
}

/** The SNS platform application of each push platform (PUSH_APPLICATIONS, set by the stack). */
export function pushApplicationsFromEnv(): Partial<Record<PushPlatform, string>> {
  return JSON.parse(requiredEnv('PUSH_APPLICATIONS')) as Partial<Record<PushPlatform, string>>;
}
