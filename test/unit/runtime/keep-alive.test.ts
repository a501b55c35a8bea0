import { describe, expect, it } from 'vitest';
import { ConnectionKeepAlive } from '../../../functions/runtime/keep-alive.js';

describe('ConnectionKeepAlive', () => {
  const ttl = 900_000;

  it('writes nothing in a connection’s first half-TTL: its $connect record still holds', () => {
    const keepAlive = new ConnectionKeepAlive(ttl);
    expect(keepAlive.needsRefresh('c1', 0, ttl / 2 - 1)).toBe(false);
    expect(keepAlive.needsRefresh('c1', 0, ttl / 2)).toBe(true);
  });

  it('refreshes at most once per half-TTL per connection after that', () => {
    const keepAlive = new ConnectionKeepAlive(ttl);
    keepAlive.refreshed('c1', ttl);
    expect(keepAlive.needsRefresh('c1', 0, ttl + ttl / 2 - 1)).toBe(false);
    expect(keepAlive.needsRefresh('c1', 0, ttl + ttl / 2)).toBe(true);
    expect(keepAlive.needsRefresh('c2', 0, ttl)).toBe(true);
  });
});
