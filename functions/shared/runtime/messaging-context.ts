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
