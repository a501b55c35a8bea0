import * as z from 'zod/mini';
import { requestIdSchema } from '../schemas/identifiers.js';

/** The push services a device token can belong to: APNs (production or sandbox) and FCM. */
export const PUSH_PLATFORMS = ['apns', 'apns-sandbox', 'fcm'] as const;
export type PushPlatform = (typeof PUSH_PLATFORMS)[number];

/**
 * Device tokens as the push services issue them: APNs tokens are hexadecimal (32 bytes today,
 * up to 200 bytes by Apple's word); FCM registration tokens are URL-safe text of about 160
 * characters. The bounds leave room for growth and stay within what SNS stores (8 KB).
 */
export const APNS_TOKEN_PATTERN = /^[0-9A-Fa-f]{8,400}$/;
export const FCM_TOKEN_PATTERN = /^[A-Za-z0-9_:.\-]{8,4096}$/;

/** True when `token` has the form `platform`'s service gives out. */
export const isPushToken = (platform: PushPlatform, token: string): boolean =>
  platform === 'fcm' ? FCM_TOKEN_PATTERN.test(token) : APNS_TOKEN_PATTERN.test(token);

/**
 * `registerPush`: binds a push token to the caller's device (the connection's device id).
 * Registering again replaces the device's token; a token registered by another user moves to
 * the caller (a shared phone, a new sign-in).
 */
export const registerPushRequest = z
  .strictObject({
    action: z.literal('registerPush'),
    id: requestIdSchema,
    platform: z.enum(PUSH_PLATFORMS),
    token: z.string().check(z.minLength(8), z.maxLength(4096)),
  })
  .check(z.refine((frame) => isPushToken(frame.platform, frame.token), { message: 'token: not a device token of this platform', path: ['token'] }));
export const registerPushResult = z.strictObject({});
export type RegisterPushResult = z.infer<typeof registerPushResult>;
