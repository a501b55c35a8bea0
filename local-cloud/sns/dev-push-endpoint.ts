import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalSns, PushNotification } from './local-sns.js';
import type { PushPlatform } from './platform-store.js';

/**
 * Local cloud only (a deployed stack has no such endpoints), on the gateway's origin:
 *
 * - `GET /dev/push?user=USER[&device=DEVICE]`: what the user's phones received, oldest first:
 *   `{"notifications":[{deviceId, platform, token, title, body, badge, data, ts, ...}]}`. The user
 *   and device come from the endpoint's CustomUserData (`{"userId":"...","deviceId":"..."}`).
 * - `POST /dev/push/unregister?token=TOKEN`: APNs/FCM report the token as unregistered from now
 *   on (see `LocalSns.unregisterToken`).
 *
 * They answer only requests from loopback with a loopback `Host` header (no DNS rebinding).
 */

/** The wire contract's platform names (`registerPush`), not SNS's. */
const PLATFORM_NAMES: Record<PushPlatform, string> = { APNS: 'apns', APNS_SANDBOX: 'apns-sandbox', GCM: 'fcm' };

const LOOPBACK_HOST = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/i;
const isLoopbackAddress = (address: string | undefined): boolean => address === '::1' || /^(::ffff:)?127\./.test(address ?? '');

function shown(notification: PushNotification): Record<string, unknown> {
  return {
    deviceId: notification.deviceId,
    platform: PLATFORM_NAMES[notification.platform],
    token: notification.token,
    title: notification.title,
    body: notification.body,
    badge: notification.badge,
    data: notification.data,
    ts: notification.ts,
    collapseId: notification.collapseId,
    threadId: notification.threadId,
    pushType: notification.pushType,
    messageId: notification.messageId,
  };
}

export function devPushEndpoint(sns: LocalSns) {
  return (request: IncomingMessage, response: ServerResponse): boolean => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/dev/push' && url.pathname !== '/dev/push/unregister') return false;
    const headers = { 'content-type': 'application/json', 'cache-control': 'no-store' };
    const answer = (status: number, body: unknown): void => void response.writeHead(status, headers).end(JSON.stringify(body));
    if (!isLoopbackAddress(request.socket.remoteAddress) || !LOOPBACK_HOST.test(request.headers.host ?? '')) {
      answer(403, { error: 'dev endpoints answer loopback requests only' });
      return true;
    }
    if (url.pathname === '/dev/push/unregister') {
      const token = url.searchParams.get('token') ?? '';
      if (request.method !== 'POST') answer(405, { error: 'use POST' });
      else if (token.length === 0) answer(400, { error: 'token is required' });
      else {
        sns.unregisterToken(token);
        answer(200, { token, unregistered: true });
      }
      return true;
    }
    const user = url.searchParams.get('user') ?? '';
    const device = url.searchParams.get('device');
    if (request.method !== 'GET') answer(405, { error: 'use GET' });
    else if (user.length === 0) answer(400, { error: 'user is required' });
    else {
      const notifications = sns.notificationsFor(user).filter((notification) => device === null || notification.deviceId === device);
      answer(200, { notifications: notifications.map(shown) });
    }
    return true;
  };
}
