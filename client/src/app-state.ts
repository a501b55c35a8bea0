import { Timer, type Timers } from './timers.js';

/**
 * React Native's `AppState` (pass it as is: `import { AppState } from 'react-native'`), or
 * anything with its shape: the current state and a `change` listener. States other than
 * `active` and `background` (iOS's transitional `inactive`, Android's `unknown`) change nothing.
 */
export interface AppStateSource {
  readonly currentState: string | null | undefined;
  addEventListener(type: 'change', listener: (state: string) => void): { remove(): void };
}

export interface AppLifecycleHooks {
  /** The app stayed in the background for the grace period: close the connection. */
  pause(): void;
  /** The app came to the foreground: reconnect (if paused) and catch up now. */
  resume(): void;
}

/**
 * Follows the app's foreground and background. In the background the connection stays up for
 * `graceMs` (a quick app switch keeps it) and is then closed, so the phone can sleep and push
 * notifications take over; back in the foreground the client reconnects and syncs at once.
 */
export class AppLifecycle {
  private readonly timer: Timer;
  private subscription: { remove(): void } | undefined;
  private paused = false;

  constructor(
    private readonly source: AppStateSource,
    timers: Timers,
    private readonly graceMs: number,
    private readonly hooks: AppLifecycleHooks,
  ) {
    this.timer = new Timer(timers);
  }

  /** True once the grace period ran out in the background (the connection is closed on purpose). */
  get isPaused(): boolean {
    return this.paused;
  }

  get inBackground(): boolean {
    return this.source.currentState === 'background';
  }

  start(): void {
    if (!this.subscription) this.subscription = this.source.addEventListener('change', (state) => this.changed(state));
    if (this.inBackground) this.changed('background');
  }

  stop(): void {
    this.subscription?.remove();
    this.subscription = undefined;
    this.timer.cancel();
    this.paused = false;
  }

  private changed(state: string): void {
    if (state === 'background') {
      if (!this.paused && !this.timer.active) {
        this.timer.start(this.graceMs, () => {
          this.paused = true;
          this.hooks.pause();
        });
      }
      return;
    }
    if (state !== 'active') return;
    this.timer.cancel();
    this.paused = false;
    this.hooks.resume();
  }
}
