import { vi } from 'vitest';
import { ImClient } from '../src/client.js';
import type { ImClientEvents } from '../src/client.js';
import type { ImClientOptions } from '../src/options.js';
import { FakeServer } from './fake-server.js';

export const text = (value: string) => ({ kind: 'text' as const, text: value });

/**
 * A JWT-shaped token for `user` (unsigned: the fake server reads `sub` and refuses it once `exp`
 * is past). `expiresInSeconds` counts from the (possibly fake) clock now; negative = expired.
 */
export function fakeJwt(user: string, expiresInSeconds = 24 * 60 * 60): string {
  const segment = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${segment({ alg: 'HS256', typ: 'JWT' })}.${segment({ sub: user, iat: now, exp: now + expiresInSeconds })}.c2lnbmF0dXJl`;
}

/** Lets async work run while virtual time moves forward in small steps, until `check` holds. */
export async function until(check: () => boolean, maxVirtualMs = 120_000, stepMs = 10): Promise<void> {
  for (let elapsed = 0; elapsed <= maxVirtualMs; elapsed += stepMs) {
    if (check()) return;
    await vi.advanceTimersByTimeAsync(stepMs);
  }
  if (!check()) throw new Error(`condition not met within ${maxVirtualMs} virtual ms`);
}

/**
 * Stubs the browser's online/offline events (the SDK's default network monitor watches them);
 * dispatch `new Event('offline')` / `new Event('online')` on the returned target. Undo with
 * `vi.unstubAllGlobals()`.
 */
export function stubBrowserNetwork(): EventTarget {
  const target = new EventTarget();
  vi.stubGlobal('addEventListener', target.addEventListener.bind(target));
  vi.stubGlobal('removeEventListener', target.removeEventListener.bind(target));
  return target;
}

/** Runs pending microtasks and zero-delay timers. */
export const settle = () => vi.advanceTimersByTimeAsync(0);

export interface Recorded {
  events: { [K in keyof ImClientEvents]?: ImClientEvents[K][] };
}

/** A client wired to a fake server, recording every event it emits. */
export function makeClient(server: FakeServer, user: string, options: Partial<ImClientOptions> = {}) {
  const tokenCalls: number[] = [];
  const client = new ImClient({
    url: 'ws://fake.test/prod',
    userId: user,
    token: async () => {
      tokenCalls.push(Date.now());
      return fakeJwt(user);
    },
    WebSocket: server.WebSocket,
    network: false,
    random: () => 0.5,
    ...options,
  });
  const events: Recorded['events'] = {};
  const names: (keyof ImClientEvents)[] = [
    'connectionState',
    'message',
    'timelineItem',
    'groupMessage',
    'read',
    'typing',
    'presence',
    'conversationsChanged',
    'outbox',
    'sent',
    'sendFailed',
    'uploads',
    'uploadProgress',
    'synced',
    'serverEvent',
    'error',
    'delivered',
    'messageUpdated',
    'messagesDeleted',
    'messageStatus',
    'changes',
    'changeFailed',
    'blockedChanged',
  ];
  for (const name of names) {
    const record = (payload: unknown): void => {
      ((events[name] ??= []) as unknown[]).push(payload);
    };
    client.on(name, record as never);
  }
  const texts = () => (events.message ?? []).map((item) => (item.message.body?.kind === 'text' ? item.message.body.text : '?'));
  const seqs = () => (events.message ?? []).map((item) => item.seq);
  return { client, events, tokenCalls, texts, seqs };
}

/** Awaits a promise while letting virtual time run (for promises that need timers to settle). */
export async function done<T>(promise: Promise<T>, maxVirtualMs = 120_000): Promise<T> {
  let finished = false;
  promise.then(
    () => (finished = true),
    () => (finished = true),
  );
  await until(() => finished, maxVirtualMs);
  return promise;
}
