import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { PushPlatform } from '@serverless-im/protocol';
import { writeIfConditionHolds } from './conditions.js';
import type { Storage } from './storage.js';

/**
 * The Devices table, key `userId` + `deviceId`: one item per device that registered a push token,
 * with the SNS endpoint the token was bound to. The `byEndpoint` index (keys only) answers "who
 * holds this endpoint", so a token that moves to another user leaves its old holder.
 *
 * Invariant: an item exists only while its endpoint was created or updated for this user and
 * device. Every write that could break it (a token moving away, an endpoint SNS disabled) is
 * conditional on the endpoint the item holds, so a concurrent re-registration is never undone.
 */
export interface DeviceRegistration {
  userId: string;
  deviceId: string;
  platform: PushPlatform;
  token: string;
  endpointArn: string;
  registeredAt: number;
}

const tableOf = (storage: Storage): string => {
  if (!storage.tables.devices) throw new Error('the Devices table is not configured for this function');
  return storage.tables.devices;
};

/** Stores the device's registration; answers the one it replaced, if any. */
export async function putDevice(storage: Storage, registration: DeviceRegistration): Promise<DeviceRegistration | undefined> {
  const result = await storage.db.send(new PutCommand({ TableName: tableOf(storage), Item: registration, ReturnValues: 'ALL_OLD' }));
  return result.Attributes as DeviceRegistration | undefined;
}

export async function removeDevice(storage: Storage, userId: string, deviceId: string): Promise<DeviceRegistration | undefined> {
  const result = await storage.db.send(new DeleteCommand({ TableName: tableOf(storage), Key: { userId, deviceId }, ReturnValues: 'ALL_OLD' }));
  return result.Attributes as DeviceRegistration | undefined;
}

/** Removes the device's registration only while it still holds `endpointArn`. False when it moved on. */
export async function removeDeviceHolding(storage: Storage, userId: string, deviceId: string, endpointArn: string): Promise<boolean> {
  return writeIfConditionHolds(() =>
    storage.db.send(
      new DeleteCommand({
        TableName: tableOf(storage),
        Key: { userId, deviceId },
        ConditionExpression: 'endpointArn = :arn',
        ExpressionAttributeValues: { ':arn': endpointArn },
      }),
    ),
  );
}

/** Every registered device of a user (one query; a user has a handful). */
export async function devicesOf(storage: Storage, userId: string): Promise<DeviceRegistration[]> {
  const result = await storage.db.send(
    new QueryCommand({ TableName: tableOf(storage), KeyConditionExpression: 'userId = :u', ExpressionAttributeValues: { ':u': userId } }),
  );
  return (result.Items ?? []) as DeviceRegistration[];
}

/** Who holds an endpoint (the index is eventually consistent: a registration of a moment ago may be missing). */
export async function holdersOf(storage: Storage, endpointArn: string): Promise<{ userId: string; deviceId: string }[]> {
  const result = await storage.db.send(
    new QueryCommand({
      TableName: tableOf(storage),
      IndexName: storage.tables.devicesByEndpoint ?? 'byEndpoint',
      KeyConditionExpression: 'endpointArn = :arn',
      ExpressionAttributeValues: { ':arn': endpointArn },
    }),
  );
  return (result.Items ?? []).map((item) => ({ userId: String(item.userId), deviceId: String(item.deviceId) }));
}
