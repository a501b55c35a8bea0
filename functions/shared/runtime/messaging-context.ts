import { SQSClient } from '@aws-sdk/client-sqs';
import type { JobQueue } from '../groups/fan-out-jobs.js';
import { createPusher, type Pusher } from '../push/pusher.js';
import { type Storage, tablesFromEnv } from '../storage/tables.js';
import { dynamoDb } from './aws-clients.js';
import { requiredEnv } from './env.js';

let storage: Storage | undefined;
let pusher: Pusher | undefined;

/** Storage for this Lambda instance, from the table names in its environment. */
export function storageFromEnv(): Storage {
  storage ??= { db: dynamoDb(), tables: tablesFromEnv() };
  return storage;
}

/** The pusher for this Lambda instance, talking to the stage's Management API. */
export function pusherFromEnv(): Pusher {
  pusher ??= createPusher({ storage: storageFromEnv(), managementEndpoint: requiredEnv('MANAGEMENT_API_URL'), clock: Date.now });
  return pusher;
}

let jobQueue: JobQueue | undefined;

/** The group fan-out queue for this Lambda instance. */
export function jobQueueFromEnv(): JobQueue {
  jobQueue ??= { client: new SQSClient({}), queueUrl: requiredEnv('FAN_OUT_QUEUE_URL') };
  return jobQueue;
}
