import { describe, expect, it } from 'vitest';
import { lifetimeRefusal, maxTokenLifetimeFromEnv, originAllowed, originOf, originsFromEnv } from '../../../functions/auth/connect-policy.js';

describe('what $connect checks besides the signature', () => {
  it('allows any origin when allowedOrigins is unset, and a handshake without Origin always', () => {
    expect(originsFromEnv(undefined)).toBeUndefined();
    expect(originsFromEnv(' , ')).toBeUndefined();
    expect(originAllowed('https://evil.example', undefined)).toBe(true);
    const allowed = originsFromEnv('https://chat.example.com,http://localhost:*,https://*.example.org');
    expect(originAllowed(undefined, allowed)).toBe(true);
  });

  it('matches origins exactly, case-insensitively, with * standing for one label or port', () => {
    const allowed = originsFromEnv('https://chat.example.com,http://localhost:*,https://*.example.org');
    expect(originAllowed('https://chat.example.com', allowed)).toBe(true);
    expect(originAllowed('HTTPS://Chat.Example.com', allowed)).toBe(true);
    expect(originAllowed('http://localhost:5173', allowed)).toBe(true);
    expect(originAllowed('https://a.example.org', allowed)).toBe(true);
    for (const origin of ['https://chat.example.com.evil.example', 'http://chat.example.com', 'https://chatXexample.com', 'https://evil.example/https://chat.example.com', 'null', '']) {
      expect(originAllowed(origin, allowed), origin).toBe(false);
    }
    expect(originOf({ ORIGIN: 'https://x.example' })).toBe('https://x.example');
    expect(originOf({ host: 'h' })).toBeUndefined();
  });

  it('refuses a token valid for longer than the longest lifetime, by exp - iat and by exp - now', () => {
    expect(maxTokenLifetimeFromEnv(undefined)).toBe(86_400);
    expect(maxTokenLifetimeFromEnv('3600')).toBe(3600);
    const now = 1_800_000_000;
    expect(lifetimeRefusal({ issuedAt: now, expiresAt: now + 3600 }, now, 3600)).toBeUndefined();
    expect(lifetimeRefusal({ issuedAt: now, expiresAt: now + 3601 }, now, 3600)).toMatch(/exp - iat/);
    // No iat, or an iat in the future: exp - now still bounds it.
    expect(lifetimeRefusal({ expiresAt: now + 7200 }, now, 3600)).toMatch(/from now/);
    expect(lifetimeRefusal({ issuedAt: now + 5000, expiresAt: now + 7200 }, now, 3600)).toMatch(/from now/);
  });
});
