import type { ConnectionFailure } from '../../client/src/index.js';
import { AppShell } from './app-shell.js';
import { USER_ID, failureText } from './format.js';
import { devTokenProvider, session } from './session.js';
import { showSignIn } from './views/sign-in-view.js';

/** The web chat page: sign in with any user name (the local cloud's dev token), then the chat. */
declare global {
  interface Window {
    /** Debug hook (and for the browser tests): the running chat. */
    __imChat?: AppShell;
  }
}

const root = document.getElementById('app') as HTMLElement;

function signIn(notice?: string): void {
  window.__imChat = undefined;
  showSignIn(root, {
    ...(notice ? { notice } : {}),
    signIn: (user) => {
      session.signIn(user);
      void startChat(user);
    },
  });
}

async function startChat(user: string): Promise<void> {
  const app = new AppShell({
    root,
    userId: user,
    deviceId: session.deviceId(),
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`,
    token: devTokenProvider(user),
    signedOut: () => {
      session.signOut();
      signIn();
    },
    sessionEnded: (failure: ConnectionFailure | undefined) => {
      session.signOut();
      signIn(failureText(failure));
    },
  });
  window.__imChat = app;
  await app.start();
}

const saved = session.user();
if (saved && USER_ID.test(saved)) void startChat(saved);
else signIn();
