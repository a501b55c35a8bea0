import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';

/**
 * The local cloud's dev endpoints (`/dev/token`, `/dev/events`, `/dev/push`) sign tokens for
 * anyone and show every event: they answer only a client on this machine that also names this
 * machine in `Host`. The gateway listens on 127.0.0.1, so the first check is a second line; the
 * second stops DNS rebinding: a page of `http://evil.example` whose name was re-pointed at
 * 127.0.0.1 reaches the port, but its requests carry `Host: evil.example`.
 */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True for `127.0.0.1`, `localhost` and `[::1]`, each with or without a port. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(host.trim().toLowerCase());
  return match !== null && match[1] !== undefined && LOOPBACK_HOSTS.has(match[1]);
}

/** True for a connection from 127.0.0.0/8 or ::1 (also as an IPv4-mapped address). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return plain === '::1';
}

/**
 * Answers a `/dev/*` request that does not come from and name the loopback: 403 for another
 * address, 421 (Misdirected Request) for a `Host` that is not a loopback name. Returns true when
 * it answered; other paths are not its business.
 */
export function refuseNonLoopbackDevRequest(request: IncomingMessage, response: ServerResponse): boolean {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  if (path !== '/dev' && !path.startsWith('/dev/')) return false;
  const headers = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (!isLoopbackAddress(request.socket.remoteAddress)) {
    response.writeHead(403, headers).end(JSON.stringify({ error: 'dev endpoints answer only on the loopback interface' }));
    return true;
  }
  if (!isLoopbackHost(request.headers.host)) {
    response.writeHead(421, headers).end(JSON.stringify({ error: 'dev endpoints answer only to Host 127.0.0.1, localhost or [::1]' }));
    return true;
  }
  return false;
}
