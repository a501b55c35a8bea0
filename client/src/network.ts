import { host } from './host.js';

/**
 * Tells the client when the device goes offline or back online. The default watches the
 * `online`/`offline` events of `globalThis` when it has `addEventListener` (browsers). In React
 * Native pass one built on `@react-native-community/netinfo` (see README).
 */
export interface NetworkMonitor {
  /** `false` when the device is known to be offline now. */
  isOnline(): boolean;
  /** Calls `listener(online)` on every change; returns the function that unsubscribes. */
  subscribe(listener: (online: boolean) => void): () => void;
}

/** The browser's `online`/`offline` events, or undefined where `globalThis.addEventListener` does not exist. */
export function browserNetworkMonitor(): NetworkMonitor | undefined {
  const globals = host();
  if (typeof globals.addEventListener !== 'function') return undefined;
  return {
    isOnline: () => host().navigator?.onLine !== false,
    subscribe(listener) {
      const online = (): void => listener(true);
      const offline = (): void => listener(false);
      const target = host();
      target.addEventListener?.('online', online);
      target.addEventListener?.('offline', offline);
      return () => {
        target.removeEventListener?.('online', online);
        target.removeEventListener?.('offline', offline);
      };
    },
  };
}
