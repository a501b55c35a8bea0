import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppStateSource } from '../src/app-state.js';
import { FakeServer } from './fake-server.js';
import { done, makeClient, settle, text, until } from './helpers.js';

/** React Native's AppState, driven by the test: `set('background')`, `set('active')`. */
function fakeAppState(initial = 'active') {
  const listeners = new Set<(state: string) => void>();
  const source: AppStateSource & { set(state: string): void; readonly listeners: number } = {
    currentState: initial,
    addEventListener(_type, listener) {
      listeners.add(listener);
      return { remove: () => listeners.delete(listener) };
    },
    set(state: string) {
      (this as { currentState: string }).currentState = state;
      for (const listener of [...listeners]) listener(state);
    },
    get listeners() {
      return listeners.size;
    },
  };
  return source;
}

const frames = (server: FakeServer, action: string) => server.requests.filter((request) => request.frame.action === action);

describe('push notifications: registerPush, unregisterPush, mute', () => {
  let server: FakeServer;
  beforeEach(() => {
    vi.useFakeTimers();
    server = new FakeServer();
  });
  afterEach(() => vi.useRealTimers());

  it('registers and unregisters this device’s token; a token moves to the user who registers it last', async () => {
    // Prepare
    const { client } = makeClient(server, 'alice', { deviceId: 'phone', autoLoadConversations: false });
    const { client: carol } = makeClient(server, 'carol', { deviceId: 'phone', autoLoadConversations: false });
    await client.start();
    await carol.start();
    // Act
    await done(client.registerPush('apns', 'ab'.repeat(32)));
    // Assess
    expect(frames(server, 'registerPush').at(-1)!.frame).toMatchObject({ action: 'registerPush', platform: 'apns', token: 'ab'.repeat(32) });
    expect(server.pushTokens.get('alice/phone')).toEqual({ platform: 'apns', token: 'ab'.repeat(32) });
    await done(carol.registerPush('apns', 'ab'.repeat(32)));
    expect([...server.pushTokens.keys()]).toEqual(['carol/phone']);
    await done(carol.unregisterPush());
    expect(server.pushTokens.size).toBe(0);
    await client.stop();
    await carol.stop();
  });

  it('mute and unmute: the request, and mutedUntil in the conversation state (also after a reload of the list)', async () => {
    // Prepare
    const { client } = makeClient(server, 'alice');
    await client.start();
    await done(client.whenConnected());
    await done(client.send({ to: 'bob', body: text('hi') }));
    await done(client.loadConversations());
    const conversationId = client.conversations[0]!.conversationId;
    const until = Date.now() + 60_000;
    // Act
    const muted = await done(client.mute(conversationId, until));
    // Assess
    expect(muted).toEqual({ mutedUntil: until });
    expect(client.conversation(conversationId)?.mutedUntil).toBe(until);
    await done(client.loadConversations());
    expect(client.conversation(conversationId)?.mutedUntil).toBe(until);
    await done(client.mute(conversationId, null));
    expect(client.conversation(conversationId)?.mutedUntil).toBeUndefined();
    await done(client.loadConversations());
    expect(client.conversation(conversationId)?.mutedUntil).toBeUndefined();
    await client.stop();
  });
});

describe('React Native app state', () => {
  let server: FakeServer;
  beforeEach(() => {
    vi.useFakeTimers();
    server = new FakeServer();
  });
  afterEach(() => vi.useRealTimers());

  it('background: the socket stays for the grace period, then closes; foreground: reconnects and syncs at once', async () => {
    // Prepare
    const appState = fakeAppState();
    const { client, texts } = makeClient(server, 'alice', { appState, backgroundGraceMs: 10_000, autoLoadConversations: false });
    await client.start();
    await until(() => client.connected);
    await settle();
    // Act: to the background.
    appState.set('background');
    await vi.advanceTimersByTimeAsync(9_000);
    // Assess: still connected within the grace period.
    expect(client.connected).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(client.connected).toBe(false);
    expect(client.connectionState).toBe('closed');
    expect(client.pausedInBackground).toBe(true);
    expect(server.connectionsOf('alice')).toHaveLength(0);
    // While away, messages arrive (pushes would have woken the phone); no reconnect happens by itself.
    server.sendAs('bob', { to: 'alice' }, 'while you were away');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(server.handshakes).toHaveLength(1);
    // Act: back to the foreground.
    const syncsBefore = frames(server, 'sync').length;
    appState.set('active');
    // Assess: a connection at once (no backoff wait) and a sync right after it.
    await until(() => client.connected, 100);
    expect(server.handshakes).toHaveLength(2);
    await until(() => texts().includes('while you were away'), 100);
    expect(frames(server, 'sync').length).toBeGreaterThan(syncsBefore);
    expect(client.pausedInBackground).toBe(false);
    await client.stop();
  });

  it('a quick app switch keeps the connection, and coming back still syncs', async () => {
    // Prepare
    const appState = fakeAppState();
    const { client } = makeClient(server, 'alice', { appState, autoLoadConversations: false });
    await client.start();
    await until(() => client.connected);
    await settle();
    const syncsBefore = frames(server, 'sync').length;
    // Act
    appState.set('background');
    await vi.advanceTimersByTimeAsync(2_000);
    appState.set('inactive');
    appState.set('active');
    await vi.advanceTimersByTimeAsync(60_000);
    // Assess
    expect(client.connected).toBe(true);
    expect(server.handshakes).toHaveLength(1);
    expect(frames(server, 'sync').length).toBe(syncsBefore + 1);
    await client.stop();
  });

  it('foreground while waiting out a reconnect backoff connects now', async () => {
    // Prepare
    const appState = fakeAppState();
    const { client } = makeClient(server, 'alice', { appState, autoLoadConversations: false, reconnect: { baseDelayMs: 60_000, maxDelayMs: 60_000 } });
    await client.start();
    await until(() => client.connected);
    server.refuseHandshakes(1);
    server.drop('alice');
    await until(() => client.connectionState === 'reconnecting' && server.handshakes.length === 2, 70_000);
    // Act
    appState.set('background');
    appState.set('active');
    // Assess
    await until(() => client.connected, 100);
    await client.stop();
  });

  it('an app started in the background closes after the grace period; stop() unsubscribes', async () => {
    // Prepare
    const appState = fakeAppState('background');
    const { client } = makeClient(server, 'alice', { appState, autoLoadConversations: false });
    // Act
    await client.start();
    await until(() => client.connected);
    await vi.advanceTimersByTimeAsync(5_000);
    // Assess
    expect(client.connected).toBe(false);
    expect(appState.listeners).toBe(1);
    await client.stop();
    expect(appState.listeners).toBe(0);
    appState.set('active');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(server.handshakes).toHaveLength(1);
  });
});
