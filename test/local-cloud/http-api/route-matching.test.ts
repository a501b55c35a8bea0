import { describe, expect, it } from 'vitest';
import { InvalidRouteKeyError, RouteTable } from '../../../local-cloud/http-api/route-matching.js';

const table = (...routeKeys: string[]) => new RouteTable(routeKeys.map((routeKey) => ({ routeKey, target: routeKey })));
const routeOf = (routes: RouteTable<string>, method: string, path: string) => routes.match(method, path)?.routeKey;

describe('HTTP API route matching', () => {
  const routes = table(
    'GET /v1/users/{id}/export',
    'ANY /v1/users/{id}',
    'GET /v1/users/me',
    'DELETE /v1/users/{id}',
    'ANY /v1/files/{proxy+}',
    'GET /v1/files/{folder}/readme',
    'POST /v1/groups/{id}/members',
    'DELETE /v1/groups/{id}/members/{userId}',
    'GET /',
    '$default',
  );

  it('matches literal segments and path variables, and decodes the variables', () => {
    expect(routes.match('GET', '/v1/users/u%401/export')).toEqual({ routeKey: 'GET /v1/users/{id}/export', target: 'GET /v1/users/{id}/export', pathParameters: { id: 'u@1' } });
    expect(routes.match('DELETE', '/v1/groups/g1/members/bob')?.pathParameters).toEqual({ id: 'g1', userId: 'bob' });
    expect(routeOf(routes, 'GET', '/')).toBe('GET /');
  });

  it('prefers a literal segment to a variable, and a variable to a greedy variable', () => {
    expect(routeOf(routes, 'GET', '/v1/users/me')).toBe('GET /v1/users/me');
    expect(routeOf(routes, 'GET', '/v1/users/someone')).toBe('ANY /v1/users/{id}');
    expect(routes.match('GET', '/v1/files/docs/readme')?.routeKey).toBe('GET /v1/files/{folder}/readme');
    expect(routes.match('GET', '/v1/files/docs/a/b')).toMatchObject({ routeKey: 'ANY /v1/files/{proxy+}', pathParameters: { proxy: 'docs/a/b' } });
  });

  it('prefers the request method to ANY on the same path', () => {
    expect(routeOf(routes, 'DELETE', '/v1/users/u1')).toBe('DELETE /v1/users/{id}');
    expect(routeOf(routes, 'PATCH', '/v1/users/u1')).toBe('ANY /v1/users/{id}');
  });

  it('needs at least one segment for a greedy variable, and the whole path for the rest', () => {
    expect(routeOf(routes, 'GET', '/v1/files')).toBe('$default');
    expect(routeOf(routes, 'GET', '/v1/files/')).toBe('$default');
    expect(routeOf(routes, 'GET', '/v1/users/u1/export/more')).toBe('$default');
    expect(routeOf(routes, 'GET', '/v1/users//export')).toBe('$default');
    expect(routeOf(routes, 'POST', '/v1/users/me/export')).toBe('$default');
  });

  it('is case-sensitive, and falls back to $default, or to nothing (404) without one', () => {
    expect(routeOf(routes, 'GET', '/V1/users/me')).toBe('$default');
    const withoutDefault = table('GET /v1/users/{id}');
    expect(withoutDefault.match('GET', '/v1/users')).toBeUndefined();
    expect(withoutDefault.match('POST', '/v1/users/u1')).toBeUndefined();
  });

  it('refuses route keys API Gateway refuses', () => {
    expect(() => table('GET /v1/{proxy+}/more')).toThrow(InvalidRouteKeyError);
    expect(() => table('FETCH /v1')).toThrow(InvalidRouteKeyError);
    expect(() => table('/v1/users')).toThrow(InvalidRouteKeyError);
    expect(() => table('GET /v1/a{b}')).toThrow(InvalidRouteKeyError);
  });
});
