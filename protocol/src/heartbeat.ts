/**
 * The keep-alive frames in constants: plain strings, so the SDK takes them without the schemas.
 * API Gateway answers both routes itself (mock integrations); the `heartbeat` event's schema is
 * `events.heartbeat` (events.ts).
 */

/**
 * The request id a heartbeat carries. API Gateway's mock ignores it; a server without the route
 * (v1) sends it back in its `BAD_REQUEST` reply, which tells the client to ping instead.
 */
export const HEARTBEAT_REQUEST_ID = 'heartbeat';

/** The whole `heartbeat` frame a client sends; API Gateway routes it by `action` and reads nothing else. */
export const HEARTBEAT_FRAME = `{"action":"heartbeat","id":"${HEARTBEAT_REQUEST_ID}"}`;

/**
 * The request id a `keepAlive` carries. The route is one-way: nothing answers it, except a server
 * without the route, whose `BAD_REQUEST` reply carries this id and tells the client to use
 * heartbeats (and pings) instead.
 */
export const KEEP_ALIVE_REQUEST_ID = 'keepAlive';

/** The whole `keepAlive` frame: one WebSocket message that keeps the connection below API Gateway's idle timeout. */
export const KEEP_ALIVE_FRAME = `{"action":"keepAlive","id":"${KEEP_ALIVE_REQUEST_ID}"}`;
