import type { RouteConfig } from './gateway-config.js';

/** Route keys API Gateway invokes itself; a frame can never select them by name. */
const RESERVED_ROUTE_KEYS = new Set(['$connect', '$disconnect', '$default']);

export type RouteSelection = { kind: 'route'; route: RouteConfig } | { kind: 'none' };

/**
 * Chooses the route of an incoming text frame the way API Gateway evaluates a
 * `$request.body.<path>` route selection expression: a JSON object whose field (a dotted path
 * may reach into nested objects) is a string naming a route; anything else goes to `$default`.
 */
export function createRouteSelector(expression: string, routes: readonly RouteConfig[]): (body: string) => RouteSelection {
  const path = parseExpression(expression);
  const byKey = new Map<string, RouteConfig>();
  for (const route of routes) if (!RESERVED_ROUTE_KEYS.has(route.routeKey)) byKey.set(route.routeKey, route);
  const fallback = routes.find((route) => route.routeKey === '$default');

  return (body) => {
    const key = selectionKey(body, path);
    const route = (key === undefined ? undefined : byKey.get(key)) ?? fallback;
    return route === undefined ? { kind: 'none' } : { kind: 'route', route };
  };
}

function parseExpression(expression: string): string[] {
  const match = /^\$request\.body\.([A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*)$/.exec(expression.trim());
  if (match?.[1] === undefined) {
    throw new Error(`unsupported route selection expression ${JSON.stringify(expression)}: only $request.body.<field> is emulated`);
  }
  return match[1].split('.');
}

function selectionKey(body: string, path: readonly string[]): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  for (const field of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = Object.hasOwn(value, field) ? (value as Record<string, unknown>)[field] : undefined;
  }
  return typeof value === 'string' ? value : undefined;
}
