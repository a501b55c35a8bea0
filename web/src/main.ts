import { USER_ID } from './format.js';
import { ChatApp } from './chat-app.js';
import { h, replaceChildren } from './dom.js';

/**
 * The web chat page: sign in with any user name (the local cloud's dev token), then the chat.
 * The signed-in user and this tab's device id live in sessionStorage: each tab is its own device
 * with its own client state, and a reload keeps both.
 */
const USER_KEY = 'imweb:user';
const DEVICE_KEY = 'imweb:device';

declare global {
  interface Window {
    /** Debug hook (and for the browser tests): the running chat. */
    __imChat?: ChatApp;
  }
}

const root = document.getElementById('app') as HTMLElement;

function deviceId(): string {
  let id = sessionStorage.getItem(DEVICE_KEY);
  if (!id) {
    const bytes = new Uint8Array(8);
    crypto.getRandomValues(bytes);
    id = `web-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
    sessionStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

function showSignIn(error?: string): void {
  const input = h('input', {
    testid: 'signin-user',
    attrs: { name: 'user', placeholder: 'alice', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: '' },
  });
  const message = h('p', { class: 'error', testid: 'signin-error' }, error ?? '');
  const form = h(
    'form',
    {
      class: 'signin',
      testid: 'signin-form',
      on: {
        submit: (event) => {
          event.preventDefault();
          const user = input.value.trim();
          if (!USER_ID.test(user)) {
            message.textContent = 'Use 1-64 letters, digits or _ . @ -';
            return;
          }
          sessionStorage.setItem(USER_KEY, user);
          void startChat(user);
        },
      },
    },
    h('h1', {}, 'Chat'),
    h('p', { class: 'hint' }, 'Sign in with any user name (local cloud dev token).'),
    h('label', {}, 'User name', input),
    h('button', { testid: 'signin-button', attrs: { type: 'submit' } }, 'Sign in'),
    message,
  );
  replaceChildren(root, form);
  input.focus();
}

async function startChat(user: string): Promise<void> {
  const app = new ChatApp({
    root,
    userId: user,
    deviceId: deviceId(),
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`,
    onSignOut: () => {
      sessionStorage.removeItem(USER_KEY);
      window.__imChat = undefined;
      showSignIn();
    },
  });
  window.__imChat = app;
  await app.start();
}

const saved = sessionStorage.getItem(USER_KEY);
if (saved && USER_ID.test(saved)) void startChat(saved);
else showSignIn();
