import { type AppContext, guarded } from '../context.js';
import { h, replaceChildren } from '../dom.js';
import { parseUsers } from '../format.js';
import type { ShownConversation } from '../open-chat.js';
import { presenceDot } from './presence-dot.js';

/** A group's members (with presence) and the form that adds members. Hidden for direct chats. */
export class GroupPanel {
  readonly members = h('div', { class: 'members', testid: 'chat-members' });
  readonly form: HTMLFormElement;
  private conversationId: string | undefined;

  constructor(private readonly context: AppContext) {
    const input = h('input', { testid: 'add-member-input', attrs: { placeholder: 'Add member', autocapitalize: 'none', spellcheck: 'false', 'aria-label': 'Add member' } });
    this.form = h(
      'form',
      {
        class: 'inline-form add-member',
        testid: 'add-member-form',
        on: {
          submit: (event) => {
            event.preventDefault();
            const conversationId = this.conversationId;
            if (!conversationId) return;
            void guarded(context, async () => {
              const members = parseUsers(input.value);
              if (members.length === 0) throw new Error('Enter a user name');
              await context.client.addMembers(conversationId, members);
              input.value = '';
              // The server writes the actor's own membership item without pushing it: pull it.
              await Promise.all([context.client.loadConversations(), context.client.sync()]);
            });
          },
        },
      },
      input,
      h('button', { testid: 'add-member-button', attrs: { type: 'submit' } }, 'Add'),
    );
  }

  render(conversation: ShownConversation | undefined): void {
    const isGroup = conversation?.kind === 'group';
    this.conversationId = isGroup ? conversation.conversationId : undefined;
    this.form.hidden = !isGroup;
    if (!isGroup) {
      replaceChildren(this.members);
      return;
    }
    const { client, me } = this.context;
    replaceChildren(
      this.members,
      ...(conversation.members ?? []).map((member) =>
        h('span', { class: 'member', testid: 'member', attrs: { 'data-user': member } }, member === me ? h('span', { class: 'dot self' }) : presenceDot(client, member), member === me ? `${member} (you)` : member),
      ),
    );
  }
}
