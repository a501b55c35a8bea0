import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserFixture, openConversation, saveScreenshot, signIn, WAIT, type WebCloud } from './browser-support.js';

/** The web chat page: group roles in the member list, and a composer greyed out by onlyAdminsSend. */
describe('web chat: group roles', () => {
  const fixture = browserFixture();
  let web: WebCloud;

  beforeAll(async () => {
    await fixture.start();
    web = fixture.web;
  });
  afterAll(() => fixture.stop());

  it('the owner makes an admin from the member list and turns on only-admins-send: a member\'s composer greys out, the admin\'s does not', async () => {
    const [rita, sam, tom] = (await Promise.all(['rita', 'sam', 'tom'].map(async (user) => signIn(await fixture.newContext(), web.cloud, user)))) as [Page, Page, Page];
    await rita.getByTestId('new-group-toggle').click();
    await rita.getByTestId('group-title-input').fill('Board');
    await rita.getByTestId('group-members-input').fill('sam, tom');
    await rita.getByTestId('create-group-button').click();
    await rita.getByTestId('chat-title').getByText('Board', { exact: true }).waitFor();
    const entry = (page: Page, user: string) => page.locator(`[data-testid="member-entry"][data-user="${user}"]`);
    await expect.poll(() => entry(rita, 'rita').getAttribute('data-role'), { timeout: WAIT }).toBe('owner');

    // Make sam an admin from the member list.
    await entry(rita, 'sam').getByTestId('member-menu-button').click();
    await entry(rita, 'sam').getByTestId('menu-make-admin').click();
    for (const page of [sam, tom]) await openConversation(page, 'Board');
    for (const page of [rita, sam, tom]) {
      await expect.poll(() => entry(page, 'sam').getAttribute('data-role'), { timeout: WAIT }).toBe('admin');
      await expect.poll(() => entry(page, 'sam').getByTestId('role-badge').textContent(), { timeout: WAIT }).toBe('admin');
    }
    // Only the owner and admins see the settings form; the admin may not manage the owner.
    expect(await tom.getByTestId('group-settings-form').isVisible()).toBe(false);
    await expect.poll(() => sam.getByTestId('group-settings-form').isVisible(), { timeout: WAIT }).toBe(true);
    expect(await entry(sam, 'rita').getByTestId('member-menu-button').count()).toBe(0);

    // Only admins send: tom's composer greys out, sam's stays usable.
    await rita.getByTestId('settings-only-admins-send').check();
    await rita.getByTestId('settings-save').click();
    await expect.poll(() => tom.getByTestId('composer-input').isDisabled(), { timeout: WAIT }).toBe(true);
    expect(await tom.getByTestId('composer').getAttribute('data-disabled')).toBe('true');
    await expect.poll(() => sam.getByTestId('system-message').allTextContents(), { timeout: WAIT }).toContain('rita let only admins send');
    expect(await sam.getByTestId('composer-input').isDisabled()).toBe(false);
    expect(await rita.getByTestId('composer-input').isDisabled()).toBe(false);
    await saveScreenshot(tom, 'web-chat-only-admins-send.png');

    // Turned off again, tom may send.
    await rita.getByTestId('settings-only-admins-send').uncheck();
    await rita.getByTestId('settings-save').click();
    await expect.poll(() => tom.getByTestId('composer-input').isDisabled(), { timeout: WAIT }).toBe(false);
  });
});
