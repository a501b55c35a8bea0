import { directConversationId } from '../../../client/src/index.js';
import { type AppContext, guarded } from '../context.js';
import { h } from '../dom.js';
import type { Drafts } from '../drafts.js';
import { parseUsers } from '../format.js';

/** "Start a chat with": opens the direct chat with one user (a draft until the first message). */
export function newChatForm(context: AppContext, drafts: Drafts, open: (conversationId: string) => void): HTMLElement {
  const input = h('input', { testid: 'new-chat-input', attrs: { placeholder: 'User name', autocapitalize: 'none', spellcheck: 'false', 'aria-label': 'Start a chat with' } });
  return h(
    'form',
    {
      class: 'inline-form',
      testid: 'new-chat-form',
      on: {
        submit: (event) => {
          event.preventDefault();
          void guarded(context, () => {
            const [peer, ...rest] = parseUsers(input.value);
            if (!peer || rest.length > 0) throw new Error('Enter one user name');
            if (peer === context.me) throw new Error('That is you');
            input.value = '';
            const conversationId = directConversationId(context.me, peer);
            if (!context.client.conversation(conversationId)) drafts.add(conversationId, peer);
            open(conversationId);
          });
        },
      },
    },
    input,
    h('button', { testid: 'new-chat-button', attrs: { type: 'submit' } }, 'Chat'),
  );
}
