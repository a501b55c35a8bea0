import { type AppContext, guarded } from '../context.js';
import { h, replaceChildren } from '../dom.js';
import { parseUsers } from '../format.js';
import type { ShownConversation } from '../open-chat.js';
import { presenceDot } from './presence-dot.js';

type Role = 'owner' | 'admin' | 'member';

/**
 * A group's members (with presence and role badges, and for the owner and admins a menu per
 * member: make admin, remove admin, transfer ownership, remove), the form that adds members and,
 * for the owner and admins, the group settings form (title, only admins send, only admins add).
 * Hidden for direct chats.
 */
export class GroupPanel {
  readonly members = h('div', { class: 'members', testid: 'chat-members' });
  readonly form: HTMLFormElement;
  readonly settings: HTMLFormElement;
  private readonly titleInput: HTMLInputElement;
  private readonly onlyAdminsSend: HTMLInputElement;
  private readonly onlyAdminsAdd: HTMLInputElement;
  private conversationId: string | undefined;
  /** The member whose menu is open. */
  private openMenu: string | undefined;
  private shown: ShownConversation | undefined;

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
    this.titleInput = h('input', { testid: 'settings-title', attrs: { placeholder: 'Group title', maxlength: '100', 'aria-label': 'Group title' } });
    this.onlyAdminsSend = h('input', { testid: 'settings-only-admins-send', attrs: { type: 'checkbox' } });
    this.onlyAdminsAdd = h('input', { testid: 'settings-only-admins-add', attrs: { type: 'checkbox' } });
    this.settings = h(
      'form',
      {
        class: 'inline-form group-settings',
        testid: 'group-settings-form',
        on: {
          submit: (event) => {
            event.preventDefault();
            const conversationId = this.conversationId;
            if (!conversationId) return;
            void guarded(context, async () => {
              const title = this.titleInput.value.trim();
              await context.client.updateGroup(conversationId, {
                ...(title ? { title } : {}),
                onlyAdminsSend: this.onlyAdminsSend.checked,
                onlyAdminsAdd: this.onlyAdminsAdd.checked,
              });
              await Promise.all([context.client.loadConversations(), context.client.sync()]);
            });
          },
        },
      },
      this.titleInput,
      h('label', { class: 'check' }, this.onlyAdminsSend, 'Only admins send'),
      h('label', { class: 'check' }, this.onlyAdminsAdd, 'Only admins add'),
      h('button', { testid: 'settings-save', attrs: { type: 'submit' } }, 'Save'),
    );
  }

  private roleOf(conversation: ShownConversation, userId: string): Role {
    if (conversation.owner === userId) return 'owner';
    return conversation.admins?.includes(userId) ? 'admin' : 'member';
  }

  /** What the signed-in user may do to `member` from the member list. */
  private memberMenu(conversation: ShownConversation, member: string): HTMLElement | null {
    const mine = conversation.role ?? 'member';
    const theirs = this.roleOf(conversation, member);
    if (member === this.context.me || mine === 'member' || (mine === 'admin' && theirs !== 'member')) return null;
    const conversationId = conversation.conversationId;
    const { client } = this.context;
    const after = async (): Promise<void> => {
      await Promise.all([client.loadConversations(), client.sync()]);
    };
    const item = (testid: string, label: string, run: () => Promise<unknown>): HTMLElement =>
      h('button', { class: 'menu-item', testid, attrs: { type: 'button' }, on: { click: () => void guarded(this.context, async () => { this.openMenu = undefined; await run(); await after(); }) } }, label);
    const panel = h(
      'div',
      { class: 'member-menu', testid: 'member-menu', attrs: { role: 'menu' } },
      mine === 'owner' && theirs === 'member' ? item('menu-make-admin', 'Make admin', () => client.setRole(conversationId, member, 'admin')) : null,
      mine === 'owner' && theirs === 'admin' ? item('menu-remove-admin', 'Remove admin', () => client.setRole(conversationId, member, 'member')) : null,
      mine === 'owner' ? item('menu-transfer-owner', 'Make owner', () => client.transferOwnership(conversationId, member)) : null,
      item('menu-remove-member', 'Remove from group', () => client.removeMembers(conversationId, [member])),
    );
    panel.hidden = this.openMenu !== member;
    const toggle = h('button', { class: 'menu-button', testid: 'member-menu-button', title: 'Manage', attrs: { type: 'button', 'aria-haspopup': 'menu' } }, '⋯');
    toggle.addEventListener('click', () => {
      this.openMenu = panel.hidden ? member : undefined;
      this.render(this.shown);
    });
    return h('span', { class: 'menu-anchor' }, toggle, panel);
  }

  render(conversation: ShownConversation | undefined): void {
    const isGroup = conversation?.kind === 'group';
    if (conversation?.conversationId !== this.shown?.conversationId) this.openMenu = undefined;
    const switched = conversation?.conversationId !== this.conversationId;
    this.shown = conversation;
    this.conversationId = isGroup ? conversation.conversationId : undefined;
    const manages = isGroup && (conversation.role === 'owner' || conversation.role === 'admin');
    this.form.hidden = !isGroup || (conversation.onlyAdminsAdd === true && !manages);
    this.settings.hidden = !manages;
    if (!isGroup) {
      replaceChildren(this.members);
      return;
    }
    // The form shows the group's settings; a title being typed is kept across re-renders.
    if (switched || document.activeElement !== this.titleInput) this.titleInput.value = conversation.title ?? '';
    this.onlyAdminsSend.checked = conversation.onlyAdminsSend === true;
    this.onlyAdminsAdd.checked = conversation.onlyAdminsAdd === true;
    const { client, me } = this.context;
    replaceChildren(
      this.members,
      ...(conversation.members ?? []).map((member) => {
        const role = this.roleOf(conversation, member);
        return h(
          'span',
          { class: 'member-entry', testid: 'member-entry', attrs: { 'data-user': member, 'data-role': role } },
          h(
            'span',
            { class: 'member', testid: 'member', attrs: { 'data-user': member } },
            member === me ? h('span', { class: 'dot self' }) : presenceDot(client, member),
            member === me ? `${member} (you)` : member,
          ),
          role !== 'member' ? h('span', { class: `role-badge ${role}`, testid: 'role-badge' }, role) : null,
          this.memberMenu(conversation, member),
        );
      }),
    );
  }
}
