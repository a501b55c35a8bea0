import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventFilter, EventLog } from './event-log.js';

/**
 * `GET /dev/events` (local cloud only; a deployed stack has no such endpoint): the events the local
 * EventBridge accepted, oldest first, as `{"events": [{eventBusName, event, receivedAt}]}` where
 * `event` is EventBridge's envelope. Optional filters: `?source=`, `?detailType=`, `?eventBusName=`.
 */
export function devEventsEndpoint(log: EventLog) {
  return (request: IncomingMessage, response: ServerResponse): boolean => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/dev/events') return false;
    const headers = { 'content-type': 'application/json', 'cache-control': 'no-store' };
    if (request.method !== 'GET') {
      response.writeHead(405, headers).end(JSON.stringify({ error: 'use GET' }));
      return true;
    }
    const filter: EventFilter = {};
    const source = url.searchParams.get('source');
    const detailType = url.searchParams.get('detailType');
    const eventBusName = url.searchParams.get('eventBusName');
    if (source !== null) filter.source = source;
    if (detailType !== null) filter.detailType = detailType;
    if (eventBusName !== null) filter.eventBusName = eventBusName;
    response.writeHead(200, headers).end(JSON.stringify({ events: log.list(filter) }));
    return true;
  };
}
