import { type AppContext, guarded } from '../context.js';
import { h } from '../dom.js';
import { parseUsers } from '../format.js';

/** "New group": a title and members; opens the group once created. */
export function newGroupForm(context: AppContext, open: (conversationId: string) => Promise<void>): HTMLElement {
  const title = h('input', { testid: 'group-title-input', attrs: { placeholder: 'Group name', maxlength: '100', 'aria-label': 'Group name' } });
  const members = h('input', { testid: 'group-members-input', attrs: { placeholder: 'Members: bob, carol', autocapitalize: 'none', spellcheck: 'false', 'aria-label': 'Members' } });
  const form = h(
    'form',
    {
      class: 'group-form',
      testid: 'new-group-form',
      on: {
        submit: (event) => {
          event.preventDefault();
          void guarded(context, async () => {
            const name = title.value.trim();
            if (!name) throw new Error('Give the group a name');
            const invited = parseUsers(members.value).filter((member) => member !== context.me);
            const { conversationId } = await context.client.createGroup(name, invited);
            title.value = '';
            members.value = '';
            details.open = false;
            await Promise.all([context.client.loadConversations(), context.client.sync()]);
            await open(conversationId);
          });
        },
      },
    },
    title,
    members,
    h('button', { testid: 'create-group-button', attrs: { type: 'submit' } }, 'Create group'),
  );
  const details = h('details', { class: 'new-group' }, h('summary', { testid: 'new-group-toggle' }, 'New group'), form);
  return details;
}
