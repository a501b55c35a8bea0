import { describe, expect, it } from 'vitest';
import { inspectToken } from '../src/token.js';
import { fakeJwt } from './helpers.js';

describe('inspectToken (the SDK reads the shape and exp of its token, never verifies it)', () => {
  const now = Date.now();
  it('plausible, expired, malformed', () => {
    expect(inspectToken(fakeJwt('alice', 60), now)).toBe('plausible');
    expect(inspectToken(fakeJwt('alice', -1), now)).toBe('expired');
    for (const token of ['', 'token-alice', 'a.b', 'a.b.c.d', '..', `${fakeJwt('a').split('.')[0]}.bm90IGpzb24.sig`, `${fakeJwt('a').split('.')[0]}.W10.sig`, 'e30.e30!.sig', undefined, 42]) {
      expect(inspectToken(token, now), String(token)).toBe('malformed');
    }
  });

  it('exp exactly now is expired; no exp is plausible; a non-numeric exp is malformed', () => {
    const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const header = segment({ alg: 'HS256' });
    expect(inspectToken(`${header}.${segment({ exp: 1_000 })}.s`, 1_000_000)).toBe('expired');
    expect(inspectToken(`${header}.${segment({ exp: 1_000 })}.s`, 999_999)).toBe('plausible');
    expect(inspectToken(`${header}.${segment({ sub: 'x' })}.s`, now)).toBe('plausible');
    expect(inspectToken(`${header}.${segment({ exp: '2030' })}.s`, now)).toBe('malformed');
    // Non-ASCII claims decode too (the payload is UTF-8 JSON).
    expect(inspectToken(`${header}.${segment({ sub: 'zoë 😀', exp: now / 1000 + 60 })}.s`, now)).toBe('plausible');
  });
});
