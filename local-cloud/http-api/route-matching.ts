/**
 * HTTP API route selection, as the API Gateway developer guide describes it ("Working with routes
 * for HTTP APIs"): a route key is `METHOD /path` (`ANY` for every method) or `$default`; a path
 * segment is literal, a `{name}` variable (one segment) or a greedy `{name+}` variable (the last
 * segment, one or more segments). When several routes match, the most specific wins: a literal
 * segment before a variable before a greedy variable, comparing from the left; then a route of
 * the request's method before `ANY`; `$default` only when nothing else matches.
 */

export const DEFAULT_ROUTE = '$default';

type Segment = { kind: 'literal'; value: string } | { kind: 'variable'; name: string } | { kind: 'greedy'; name: string };

export interface ParsedRoute<T> {
  routeKey: string;
  method: string;
  segments: Segment[];
  target: T;
}

export interface RouteMatch<T> {
  routeKey: string;
  target: T;
  /** Decoded values of the path variables; empty for a route without any. */
  pathParameters: Record<string, string>;
}

export class InvalidRouteKeyError extends Error {
  constructor(routeKey: string, reason: string) {
    super(`invalid HTTP API route key ${JSON.stringify(routeKey)}: ${reason}`);
    this.name = 'InvalidRouteKeyError';
  }
}

const METHODS = new Set(['ANY', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

function parseRouteKey<T>(routeKey: string, target: T): ParsedRoute<T> {
  const match = /^(\S+) (\/\S*)$/.exec(routeKey);
  if (!match) throw new InvalidRouteKeyError(routeKey, 'expected "METHOD /path" or "$default"');
  const method = match[1]!;
  if (!METHODS.has(method)) throw new InvalidRouteKeyError(routeKey, `unknown method ${method}`);
  const parts = match[2] === '/' ? [] : match[2]!.slice(1).split('/');
  const segments = parts.map((part, index): Segment => {
    const variable = /^\{([A-Za-z0-9_.-]+)(\+?)\}$/.exec(part);
    if (!variable) {
      if (part.includes('{') || part.includes('}')) throw new InvalidRouteKeyError(routeKey, `segment ${part} mixes text and a variable`);
      return { kind: 'literal', value: part };
    }
    if (variable[2] === '+') {
      if (index !== parts.length - 1) throw new InvalidRouteKeyError(routeKey, 'a greedy variable must be the last segment');
      return { kind: 'greedy', name: variable[1]! };
    }
    return { kind: 'variable', name: variable[1]! };
  });
  return { routeKey, method, segments, target };
}

const decode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/** Specificity of each matched segment, compared left to right: literal 2, variable 1, greedy 0. */
function matchSegments(segments: Segment[], pathSegments: string[]): { scores: number[]; pathParameters: Record<string, string> } | undefined {
  const scores: number[] = [];
  const pathParameters: Record<string, string> = {};
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index]!;
    if (segment.kind === 'greedy') {
      const rest = pathSegments.slice(index);
      if (rest.length === 0 || rest.join('/') === '') return undefined;
      pathParameters[segment.name] = rest.map(decode).join('/');
      scores.push(0);
      return { scores, pathParameters };
    }
    const part = pathSegments[index];
    if (part === undefined) return undefined;
    if (segment.kind === 'literal') {
      if (decode(part) !== segment.value) return undefined;
      scores.push(2);
    } else {
      if (part === '') return undefined;
      pathParameters[segment.name] = decode(part);
      scores.push(1);
    }
  }
  return pathSegments.length === segments.length ? { scores, pathParameters } : undefined;
}

function moreSpecific(a: number[], b: number[]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const difference = (a[index] ?? -1) - (b[index] ?? -1);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** The routes of one API, ready to match requests against. */
export class RouteTable<T> {
  private readonly routes: ParsedRoute<T>[] = [];
  private defaultRoute: T | undefined;

  constructor(routes: readonly { routeKey: string; target: T }[]) {
    for (const { routeKey, target } of routes) {
      if (routeKey === DEFAULT_ROUTE) this.defaultRoute = target;
      else this.routes.push(parseRouteKey(routeKey, target));
    }
  }

  /** The route a request reaches, or undefined (API Gateway's 404 `Not Found`). `path` is the raw path. */
  match(method: string, path: string): RouteMatch<T> | undefined {
    const pathSegments = path === '/' || path === '' ? [] : path.replace(/^\//, '').split('/');
    let best: { route: ParsedRoute<T>; scores: number[]; pathParameters: Record<string, string> } | undefined;
    for (const route of this.routes) {
      if (route.method !== method && route.method !== 'ANY') continue;
      const matched = matchSegments(route.segments, pathSegments);
      if (!matched) continue;
      const order = best === undefined ? 1 : moreSpecific(matched.scores, best.scores) || (route.method !== 'ANY' && best.route.method === 'ANY' ? 1 : 0);
      if (order > 0) best = { route, ...matched };
    }
    if (best) return { routeKey: best.route.routeKey, target: best.route.target, pathParameters: best.pathParameters };
    if (this.defaultRoute !== undefined) return { routeKey: DEFAULT_ROUTE, target: this.defaultRoute, pathParameters: {} };
    return undefined;
  }
}
