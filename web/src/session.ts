/**
 * Who is signed in in this tab, and this tab's device id, in sessionStorage: each tab is its own
 * device with its own client state, and a reload keeps both.
 */
const USER_KEY = 'imweb:user';
const DEVICE_KEY = 'imweb:device';

export const session = {
  user(): string | null {
    return sessionStorage.getItem(USER_KEY);
  },
  signIn(user: string): void {
    sessionStorage.setItem(USER_KEY, user);
  },
  signOut(): void {
    sessionStorage.removeItem(USER_KEY);
  },
  deviceId(): string {
    let id = sessionStorage.getItem(DEVICE_KEY);
    if (!id) {
      const bytes = new Uint8Array(8);
      crypto.getRandomValues(bytes);
      id = `web-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
      sessionStorage.setItem(DEVICE_KEY, id);
    }
    return id;
  },
};

/** The local cloud's dev token for `user` (a deployed stack would use its identity provider here). */
export function devTokenProvider(user: string): () => Promise<string> {
  const query = encodeURIComponent(user);
  return async () => {
    const response = await fetch(`/dev/token?user=${query}`, { cache: 'no-store' });
    if (!response.ok) throw new Error(`dev token: HTTP ${response.status}`);
    return ((await response.json()) as { token: string }).token;
  };
}
