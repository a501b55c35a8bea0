/**
 * The `heartbeat` keep-alive in constants: plain strings, so the SDK takes them without the schemas.
 * The event's schema is `events.heartbeat` (events.ts).
 */

/**
 * The request id a heartbeat carries. API Gateway's mock ignores it; a server without the route
 * (v1) sends it back in its `BAD_REQUEST` reply, which tells the client to ping instead.
 */
export const HEARTBEAT_REQUEST_ID = 'heartbeat';

/** The whole `heartbeat` frame a client sends; API Gateway routes it by `action` and reads nothing else. */
export const HEARTBEAT_FRAME = `{"action":"heartbeat","id":"${HEARTBEAT_REQUEST_ID}"}`;
