import type { PushPlatform } from '@serverless-im/protocol';
import { BadRequestError } from '../errors/request-errors.js';
import { holdersOf, putDevice, removeDevice, removeDeviceHolding } from '../storage/devices.js';
import type { Storage } from '../storage/storage.js';
import type { PushService } from './push-service.js';

export interface RegistrationDeps {
  storage: Storage;
  push: PushService;
  /** The SNS platform application of each platform this deployment has. */
  applications: Partial<Record<PushPlatform, string>>;
  clock: () => number;
}

export interface DeviceOwner {
  userId: string;
  deviceId: string;
}

/** What the endpoint's CustomUserData says (SNS never reads it; the local cloud and operators do). */
export const customUserDataOf = (owner: DeviceOwner): string => JSON.stringify({ userId: owner.userId, deviceId: owner.deviceId });

const notConfigured = (platform: PushPlatform, cause?: unknown): BadRequestError =>
  new BadRequestError(`platform: this deployment has no push credentials for ${platform}`, { reason: 'platformNotConfigured', cause });

/** SNS's answers for an application that does not exist (or that this deployment may not use). */
const isMissingApplication = (error: unknown): boolean => ['NotFoundException', 'AuthorizationErrorException'].includes((error as { name?: string })?.name ?? '');

/** Deletes an endpoint unless some registration (other than `except`) still holds it. */
async function deleteIfUnheld(deps: Pick<RegistrationDeps, 'storage' | 'push'>, endpointArn: string, except?: DeviceOwner): Promise<void> {
  const holders = await holdersOf(deps.storage, endpointArn);
  if (holders.some((holder) => holder.userId !== except?.userId || holder.deviceId !== except?.deviceId)) return;
  await deps.push.deleteEndpoint(endpointArn);
}

/**
 * `registerPush`: the SNS endpoint for the token, bound to this user and device. SNS keeps one
 * endpoint per token and application, so registering follows SNS's recipe: CreatePlatformEndpoint
 * (idempotent for the same attributes); when the token is held with other attributes (another
 * user or device, a disabled endpoint), take the endpoint over. Whoever held it loses their
 * registration *before* the endpoint is bound to the caller, so no notification meant for them
 * can reach this phone afterwards. The device's previous endpoint (an older token) is deleted.
 */
export async function registerPush(deps: RegistrationDeps, owner: DeviceOwner, platform: PushPlatform, token: string): Promise<Record<string, never>> {
  const applicationArn = deps.applications[platform];
  if (!applicationArn) throw notConfigured(platform);
  const customUserData = customUserDataOf(owner);
  let created: Awaited<ReturnType<PushService['createEndpoint']>>;
  try {
    created = await deps.push.createEndpoint(applicationArn, token, customUserData);
  } catch (error) {
    if (isMissingApplication(error)) throw notConfigured(platform, error);
    throw error;
  }
  const { endpointArn } = created;
  for (const holder of await holdersOf(deps.storage, endpointArn)) {
    if (holder.userId !== owner.userId || holder.deviceId !== owner.deviceId) await removeDeviceHolding(deps.storage, holder.userId, holder.deviceId, endpointArn);
  }
  const attributes = created.conflict ? undefined : await deps.push.endpointAttributes(endpointArn);
  if (created.conflict || !attributes?.enabled) {
    // SNS's guide: an endpoint disabled by an earlier failure stays disabled until re-enabled with the latest token.
    await deps.push.setEndpointAttributes(endpointArn, { Token: token, CustomUserData: customUserData, Enabled: 'true' });
  }
  const previous = await putDevice(deps.storage, { ...owner, platform, token, endpointArn, registeredAt: deps.clock() });
  if (previous && previous.endpointArn !== endpointArn) await deleteIfUnheld(deps, previous.endpointArn, owner);
  return {};
}

/** `unregisterPush`: the device gets no more notifications (sign-out); its endpoint is deleted. */
export async function unregisterPush(deps: Pick<RegistrationDeps, 'storage' | 'push'>, owner: DeviceOwner): Promise<Record<string, never>> {
  const removed = await removeDevice(deps.storage, owner.userId, owner.deviceId);
  if (removed) await deleteIfUnheld(deps, removed.endpointArn, owner);
  return {};
}

/**
 * A device whose endpoint SNS reports disabled or deleted (the app was uninstalled, the token
 * expired): its registration goes, unless it was registered again meanwhile, and so does the endpoint.
 */
export async function forgetDeadEndpoint(deps: Pick<RegistrationDeps, 'storage' | 'push'>, owner: DeviceOwner, endpointArn: string): Promise<void> {
  if (await removeDeviceHolding(deps.storage, owner.userId, owner.deviceId, endpointArn)) {
    await deleteIfUnheld(deps, endpointArn, owner);
  }
}
