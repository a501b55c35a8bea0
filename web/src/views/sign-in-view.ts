import { h, replaceChildren } from '../dom.js';
import { USER_ID } from '../format.js';

/** The sign-in form (any user name: the local cloud's dev token). `notice`: why the user is here again. */
export function showSignIn(root: HTMLElement, options: { notice?: string; signIn(user: string): void }): void {
  const input = h('input', {
    testid: 'signin-user',
    attrs: { name: 'user', placeholder: 'alice', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: '' },
  });
  const message = h('p', { class: 'error', testid: 'signin-error', attrs: { role: 'alert' } }, options.notice ?? '');
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
          options.signIn(user);
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
