import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserFixture, openConversation, saveScreenshot, sendText, shownTexts, signIn, startDirectChat, WAIT, waitForText, type WebCloud } from './browser-support.js';

/** A shown (stored) message row by a text it contains. */
const row = (page: Page, text: string) => page.locator('[data-testid="message"]:not([data-pending])').filter({ hasText: text });

async function openMenu(page: Page, text: string): Promise<void> {
  await row(page, text).last().getByTestId('message-menu-button').click();
  await row(page, text).last().getByTestId('message-menu').waitFor({ state: 'visible' });
}

/** The web chat page (web/) in Chromium: edit, recall, reactions, replies, mentions, delivered and read receipts, across two users and a second device. */
describe('web chat: the message lifecycle', () => {
  const fixture = browserFixture();
  let web: WebCloud;

  beforeAll(async () => {
    await fixture.start();
    web = fixture.web;
  });
  afterAll(() => fixture.stop());

  it('shows delivered then read, mentions, edits, reactions, replies, recalls and delete-for-me on every device', async () => {
    const [alice, bob, bobPhone] = await Promise.all([
      fixture.newContext().then((context) => signIn(context, web.cloud, 'alice')),
      fixture.newContext().then((context) => signIn(context, web.cloud, 'bob')),
      fixture.newContext().then((context) => signIn(context, web.cloud, 'bob')),
    ]);

    await startDirectChat(alice, 'bob');
    await sendText(alice, 'helo @bob');
    await waitForText(alice, 'helo @bob');
    // Bob's devices are online and acknowledge the push: grey ✓✓ (delivered), not read yet.
    const aliceReceipt = row(alice, 'helo @bob').getByTestId('receipt');
    await expect.poll(() => aliceReceipt.getAttribute('title'), { timeout: WAIT }).toBe('Delivered');
    expect(await aliceReceipt.textContent()).toBe('✓✓');
    expect(await aliceReceipt.getAttribute('class')).toContain('delivered');

    // Bob opens it on his laptop: blue ✓✓ for alice, and the mention of bob is highlighted.
    await openConversation(bob, 'alice');
    await waitForText(bob, 'helo @bob');
    await expect.poll(() => aliceReceipt.textContent(), { timeout: WAIT }).toBe('✓✓ Read');
    expect(await aliceReceipt.getAttribute('class')).toContain('read');
    expect(await row(bob, 'helo').getByTestId('mention').textContent()).toBe('@bob');

    // Alice fixes the typo from the message's menu: both of Bob's devices show the new text, edited.
    await openMenu(alice, 'helo @bob');
    await row(alice, 'helo @bob').getByTestId('menu-edit').click();
    expect(await alice.getByTestId('composer-input').inputValue()).toBe('helo @bob');
    await sendText(alice, 'hello @bob');
    await openConversation(bobPhone, 'alice');
    for (const page of [alice, bob, bobPhone]) {
      await waitForText(page, 'hello @bob');
      expect(await row(page, 'hello @bob').getByTestId('edited').count()).toBe(1);
    }
    expect(await shownTexts(bob)).toEqual(['hello @bob']);

    // Bob reacts on his laptop; the count shows under the bubble everywhere; his phone adds another.
    await openMenu(bob, 'hello @bob');
    await row(bob, 'hello @bob').locator('[data-testid="pick-reaction"][data-emoji="👍"]').click();
    await expect.poll(() => row(alice, 'hello @bob').getByTestId('reaction').allTextContents(), { timeout: WAIT }).toEqual(['👍 1']);
    await expect.poll(() => row(bobPhone, 'hello @bob').getByTestId('reaction').allTextContents(), { timeout: WAIT }).toEqual(['👍 1']);
    await openMenu(alice, 'hello @bob');
    await row(alice, 'hello @bob').locator('[data-testid="pick-reaction"][data-emoji="👍"]').click();
    await expect.poll(() => row(bob, 'hello @bob').getByTestId('reaction').allTextContents(), { timeout: WAIT }).toEqual(['👍 2']);
    // Clicking one's own reaction takes it back.
    await row(bob, 'hello @bob').getByTestId('reaction').click();
    await expect.poll(() => row(alice, 'hello @bob').getByTestId('reaction').allTextContents(), { timeout: WAIT }).toEqual(['👍 1']);

    // Bob replies from his phone: the quote shows the original, and clicking it leads there.
    await openMenu(bobPhone, 'hello @bob');
    await row(bobPhone, 'hello @bob').getByTestId('menu-reply').click();
    expect(await bobPhone.getByTestId('composer-context-text').textContent()).toBe('Replying to alice: hello @bob');
    await sendText(bobPhone, 'yes, hello!');
    await waitForText(alice, 'yes, hello!');
    const quote = row(alice, 'yes, hello!').getByTestId('reply-quote');
    expect(await quote.textContent()).toContain('hello @bob');
    await quote.click();
    await expect.poll(() => alice.locator('[data-testid="message"][data-seq="1"]').getAttribute('class'), { timeout: WAIT }).toContain('flash');

    // Alice sends something she regrets and recalls it: everyone sees "This message was deleted".
    await sendText(alice, 'oops, wrong chat');
    for (const page of [bob, bobPhone]) await waitForText(page, 'oops, wrong chat');
    await openMenu(alice, 'oops, wrong chat');
    await row(alice, 'oops, wrong chat').getByTestId('menu-recall').click();
    for (const page of [alice, bob, bobPhone]) {
      await expect.poll(() => shownTexts(page), { timeout: WAIT }).toEqual(['hello @bob', 'yes, hello!', 'This message was deleted']);
    }

    // Bob deletes his reply for himself on the laptop: gone on his phone too, still there for alice.
    await openMenu(bob, 'yes, hello!');
    await row(bob, 'yes, hello!').getByTestId('menu-delete-for-me').click();
    for (const page of [bob, bobPhone]) await expect.poll(() => shownTexts(page), { timeout: WAIT }).toEqual(['hello @bob', 'This message was deleted']);
    expect(await shownTexts(alice)).toEqual(['hello @bob', 'yes, hello!', 'This message was deleted']);
    await saveScreenshot(alice, 'message-lifecycle-alice.png');
  });

  it('a group’s owner deletes a member’s message for everyone from its menu; a member cannot delete another’s', async () => {
    const [olga, pete, quinn] = await Promise.all(['olga', 'pete', 'quinn'].map((user) => fixture.newContext().then((context) => signIn(context, web.cloud, user))));
    await olga!.getByTestId('new-group-toggle').click();
    await olga!.getByTestId('group-title-input').fill('Moderated');
    await olga!.getByTestId('group-members-input').fill('pete, quinn');
    await olga!.getByTestId('create-group-button').click();
    await olga!.getByTestId('chat-title').getByText('Moderated', { exact: true }).waitFor();
    await openConversation(pete!, 'Moderated');
    await sendText(pete!, 'spam spam spam');
    await openConversation(quinn!, 'Moderated');
    for (const page of [olga!, quinn!]) await waitForText(page, 'spam spam spam');

    // Quinn, a member, has no "Delete for everyone" on pete's message.
    await openMenu(quinn!, 'spam spam spam');
    expect(await row(quinn!, 'spam spam spam').getByTestId('menu-recall').count()).toBe(0);
    // Olga owns the group: she has it, and it deletes the message for everyone.
    await openMenu(olga!, 'spam spam spam');
    await row(olga!, 'spam spam spam').getByTestId('menu-recall').click();
    for (const page of [olga!, pete!, quinn!]) await expect.poll(() => shownTexts(page), { timeout: WAIT }).toEqual(['This message was deleted']);
  });
});
