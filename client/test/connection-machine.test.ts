import { describe, expect, it } from 'vitest';
import { type ConnectionEvent, type Effect, initialMachine, type Machine, type MachineEnv, step } from '../src/connection-machine.js';
import { ImError } from '../src/errors.js';
import { fakeJwt } from './helpers.js';

/** The reducer alone: no sockets, no timers. Delays are 100 * 2^step so they can be read off. */
const env: MachineEnv = { now: () => Date.now(), delay: (n) => 100 * 2 ** n, baseDelayMs: 100, maxAuthFailures: 3 };

function run(events: ConnectionEvent[], from: Machine = initialMachine()): { machine: Machine; effects: Effect[] } {
  let machine = from;
  const effects: Effect[] = [];
  for (const event of events) {
    const next = step(machine, event, env);
    machine = next.machine;
    effects.push(...next.effects);
  }
  return { machine, effects };
}

const lost = new ImError('DISCONNECTED', 'gone');
const closedBeforeOpen = { error: new ImError('DISCONNECTED', 'connection closed (1006)') };
const connected: ConnectionEvent[] = [{ type: 'start', online: true }, { type: 'tokenReady', attempt: 1, token: fakeJwt('a') }, { type: 'opened', attempt: 1 }];

describe('connection machine (reducer)', () => {
  it('start → fetch a token → open a socket → connected', () => {
    const { machine, effects } = run(connected);
    expect(machine.phase).toEqual({ state: 'connected', link: 1 });
    expect(effects.map((effect) => effect.type)).toEqual(['fetchToken', 'openSocket', 'activate']);
  });

  it('starts offline when the device is offline, and connects when it comes online', () => {
    const offline = run([{ type: 'start', online: false }]);
    expect(offline.machine.phase.state).toBe('offline');
    expect(offline.effects).toEqual([]);
    expect(run([{ type: 'online' }], offline.machine).machine.phase.state).toBe('connecting');
  });

  it('a lost connection backs off with growing steps; a healthy one resets them', () => {
    let { machine } = run(connected);
    machine = run([{ type: 'lost', link: 1, error: lost }], machine).machine;
    expect(machine.phase).toEqual({ state: 'reconnecting', retry: 1, delayMs: 100 });
    machine = run([{ type: 'retryDue' }, { type: 'attemptFailed', attempt: 2, outcome: closedBeforeOpen }], machine).machine;
    expect(machine.phase).toEqual({ state: 'reconnecting', retry: 2, delayMs: 200 });
    machine = run([{ type: 'retryDue' }, { type: 'tokenReady', attempt: 3, token: fakeJwt('a') }, { type: 'opened', attempt: 3 }, { type: 'healthy', link: 3 }], machine).machine;
    expect(machine.retries).toBe(0);
  });

  it('events for another attempt or link change nothing; a socket nobody waits for is closed', () => {
    const { machine } = run(connected);
    for (const event of [
      { type: 'tokenReady', attempt: 7, token: 'x' },
      { type: 'attemptFailed', attempt: 7, outcome: closedBeforeOpen },
      { type: 'lost', link: 7, error: lost },
      { type: 'closing', link: 7, signal: { reason: 'revoked', retry: false } },
      { type: 'retryDue' },
      { type: 'start', online: true },
    ] satisfies ConnectionEvent[]) {
      expect(step(machine, event, env)).toEqual({ machine, effects: [] });
    }
    expect(step(machine, { type: 'opened', attempt: 7 }, env).effects).toEqual([{ type: 'close', link: 7, reason: 'stale connection' }]);
  });

  it('three credential failures in a row end in failed; a failure of unknown cause in between resets the count', () => {
    const expired = fakeJwt('a', -10);
    const attempt = (id: number, token: string, outcome = closedBeforeOpen): ConnectionEvent[] => [
      { type: 'tokenReady', attempt: id, token },
      { type: 'attemptFailed', attempt: id, outcome },
      { type: 'retryDue' },
    ];
    let { machine } = run([{ type: 'start', online: true }, ...attempt(1, expired), ...attempt(2, expired), ...attempt(3, fakeJwt('a')), ...attempt(4, expired), ...attempt(5, expired)]);
    expect(machine.authFailures).toBe(2);
    expect(machine.phase.state).toBe('connecting');
    const last = step(machine, { type: 'tokenReady', attempt: 6, token: expired }, env).machine;
    const { machine: failed, effects } = step(last, { type: 'attemptFailed', attempt: 6, outcome: closedBeforeOpen }, env);
    expect(failed.phase).toMatchObject({ state: 'failed', failure: { source: 'handshake', reason: 'tokenExpired', attempts: 3 } });
    expect(effects.map((effect) => effect.type)).toEqual(['report', 'close']);
    machine = failed;
    // Terminal: nothing but start/stop moves it.
    for (const event of [{ type: 'retryDue' }, { type: 'online' }, { type: 'rotateDue' }, { type: 'reconnectNow' }] satisfies ConnectionEvent[]) {
      expect(step(machine, event, env).effects).toEqual([]);
      expect(step(machine, event, env).machine.phase.state).toBe('failed');
    }
    expect(step(machine, { type: 'start', online: true }, env).machine).toMatchObject({ phase: { state: 'connecting' }, authFailures: 0, retries: 0 });
    expect(step(machine, { type: 'stop' }, env).machine.phase.state).toBe('closed');
  });

  it('a known status decides; another status or a timeout never blames the token', () => {
    const failWith = (outcome: { status?: number; timedOut?: boolean }, token = fakeJwt('a', -10)) =>
      run([{ type: 'start', online: true }, { type: 'tokenReady', attempt: 1, token }, { type: 'attemptFailed', attempt: 1, outcome: { ...outcome, error: lost } }]).machine.authFailures;
    expect(failWith({ status: 401 }, fakeJwt('a'))).toBe(1);
    expect(failWith({ status: 403 }, fakeJwt('a'))).toBe(1);
    expect(failWith({ status: 503 })).toBe(0);
    expect(failWith({ timedOut: true })).toBe(0);
    expect(failWith({})).toBe(1);
  });

  it('closing: retry false → failed; retry true → a new attempt at once, or after the backoff when the last one was not healthy yet', () => {
    const { machine } = run(connected);
    expect(step(machine, { type: 'closing', link: 1, signal: { reason: 'revoked', retry: false } }, env).machine.phase).toMatchObject({ state: 'failed', failure: { source: 'server', reason: 'revoked' } });
    const again = step(machine, { type: 'closing', link: 1, signal: { reason: 'tokenExpired', retry: true } }, env);
    expect(again.machine.phase).toEqual({ state: 'connecting', attempt: { id: 2 } });
    expect(again.effects).toEqual([{ type: 'close', link: 1, reason: 'server closing (tokenExpired)' }, { type: 'fetchToken', attempt: 2 }]);
    const reopened = run([{ type: 'tokenReady', attempt: 2, token: fakeJwt('a') }, { type: 'opened', attempt: 2 }, { type: 'closing', link: 2, signal: { reason: 'x', retry: true } }], again.machine);
    expect(reopened.machine.phase).toEqual({ state: 'reconnecting', retry: 2, delayMs: 200 });
  });

  it('rotation: make before break; a failed rotation keeps the link; losing the link promotes the rotation', () => {
    let { machine } = run([...connected, { type: 'rotateDue' }, { type: 'tokenReady', attempt: 2, token: fakeJwt('a') }]);
    expect(machine.phase).toEqual({ state: 'connected', link: 1, rotation: { id: 2, token: expect.any(String) } });
    const swapped = step(machine, { type: 'opened', attempt: 2 }, env);
    expect(swapped.machine.phase).toEqual({ state: 'connected', link: 2 });
    expect(swapped.effects).toEqual([{ type: 'activate', link: 2, rotated: true, watchHealth: false }, { type: 'drain', link: 1 }]);

    const refused = step(machine, { type: 'attemptFailed', attempt: 2, outcome: { status: 401, error: lost } }, env);
    expect(refused.machine.phase).toEqual({ state: 'connected', link: 1 });
    expect(refused.machine.authFailures).toBe(0);
    expect(refused.effects).toEqual([{ type: 'armRotation', delayMs: 200 }]);

    machine = step(machine, { type: 'lost', link: 1, error: lost }, env).machine;
    expect(machine.phase).toMatchObject({ state: 'connecting', attempt: { id: 2 } });
    expect(step(machine, { type: 'opened', attempt: 2 }, env).effects).toEqual([{ type: 'activate', link: 2, rotated: false, watchHealth: true }]);
  });

  it('offline: cancels a backoff wait; an attempt failing while offline waits for online', () => {
    let { machine } = run([...connected, { type: 'lost', link: 1, error: lost }, { type: 'offline' }]);
    expect(machine.phase.state).toBe('offline');
    machine = run([{ type: 'online' }, { type: 'offline' }, { type: 'attemptFailed', attempt: 2, outcome: closedBeforeOpen }], machine).machine;
    expect(machine.phase.state).toBe('offline');
  });

  it('back online while connected: ping the link now (it may have died meanwhile)', () => {
    const { machine } = run(connected);
    expect(step(machine, { type: 'online' }, env).effects).toEqual([]);
    const offline = step(machine, { type: 'offline' }, env).machine;
    expect(offline.phase.state).toBe('connected');
    expect(step(offline, { type: 'online' }, env).effects).toEqual([{ type: 'verify', link: 1 }]);
  });

  it('network lost while connected: ping the link now (a dead network often delivers no close), once', () => {
    const { machine } = run(connected);
    const lostNetwork = step(machine, { type: 'offline' }, env);
    expect(lostNetwork.effects).toEqual([{ type: 'verify', link: 1 }]);
    expect(lostNetwork.machine.phase.state).toBe('connected');
    expect(step(lostNetwork.machine, { type: 'offline' }, env).effects).toEqual([]);
  });

  it('stop from any running state closes everything', () => {
    for (const events of [connected, connected.slice(0, 1), [...connected, { type: 'lost', link: 1, error: lost } as const], [{ type: 'start', online: false } as const]]) {
      const { machine } = run(events);
      expect(step(machine, { type: 'stop' }, env)).toMatchObject({ machine: { phase: { state: 'closed' } }, effects: [{ type: 'close', link: 'all' }] });
    }
  });
});
