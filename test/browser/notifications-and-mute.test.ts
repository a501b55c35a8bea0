import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserFixture, conversationItem, openConversation, sendText, shownTexts, signIn, startDirectChat, WAIT, waitForText, type WebCloud } from './browser-support.js';

/**
 * The web page's part of push notifications: mute from the conversation menu (shown in the list)
 * and a browser notification (the Notification API) for new messages while the tab is hidden.
 * Chromium shows no notification headless, so the page gets a recording `Notification` and a
 * switchable `document.visibilityState` before its script runs.
 */
const PAGE_STUBS = () => {
  // Runs in the page (no DOM types in this project's compilation).
  const page = globalThis as any;
  const shown: { title: string; body?: string; tag?: string }[] = [];
  class RecordingNotification {
    static permission = 'default';
    static async requestPermission(): Promise<string> {
      RecordingNotification.permission = 'granted';
      return 'granted';
    }
    onclick: (() => void) | null = null;
    constructor(title: string, options: { body?: string; tag?: string } = {}) {
      shown.push({ title, ...(options.body !== undefined ? { body: options.body } : {}), ...(options.tag !== undefined ? { tag: options.tag } : {}) });
    }
    close(): void {}
  }
  let hidden = false;
  Object.defineProperty(page.Document.prototype, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
  Object.defineProperty(page.Document.prototype, 'hidden', { configurable: true, get: () => hidden });
  page.Notification = RecordingNotification;
  page.__shown = shown;
  page.__setHidden = (value: boolean) => {
    hidden = value;
    page.document.dispatchEvent(new page.Event('visibilitychange'));
  };
};

type Shown = { title: string; body?: string; tag?: string };
const shown = (page: Page): Promise<Shown[]> => page.evaluate(() => ((globalThis as any).__shown as Shown[]).slice());
const setHidden = (page: Page, hidden: boolean) => page.evaluate((value) => (globalThis as any).__setHidden(value), hidden);

describe('web chat: the conversation menu (mute, block) and browser notifications', () => {
  const fixture = browserFixture();
  let web: WebCloud;
  const stubbedContext = async (): Promise<BrowserContext> => {
    const context = await fixture.newContext();
    await context.addInitScript(PAGE_STUBS);
    return context;
  };

  beforeAll(async () => {
    await fixture.start();
    web = fixture.web;
  });
  afterAll(() => fixture.stop());

  it('notifies of a message only while the tab is hidden and not muted; mute and unmute from the conversation menu show in the list', async () => {
    const alicePage = await signIn(await stubbedContext(), web.cloud, 'nalice');
    const bobPage = await signIn(await stubbedContext(), web.cloud, 'nbob');

    // Alice allows notifications once; the button goes away.
    await alicePage.getByTestId('enable-notifications').click();
    await expect.poll(() => alicePage.getByTestId('enable-notifications').isHidden(), { timeout: WAIT }).toBe(true);

    await startDirectChat(bobPage, 'nalice');
    await sendText(bobPage, 'while you look');
    await expect.poll(() => conversationItem(alicePage, 'nbob').getByTestId('conversation-preview').textContent(), { timeout: WAIT }).toBe('while you look');
    expect(await shown(alicePage)).toEqual([]);

    await setHidden(alicePage, true);
    await sendText(bobPage, 'while hidden');
    await expect.poll(() => shown(alicePage), { timeout: WAIT }).toEqual([{ title: 'nbob', body: 'while hidden', tag: 'dm:nalice:nbob' }]);

    // Mute from the conversation menu: the list marks it, and hidden-tab messages stay silent.
    await setHidden(alicePage, false);
    await openConversation(alicePage, 'nbob');
    await alicePage.getByTestId('conversation-menu-button').click();
    await alicePage.getByTestId('mute-8h').click();
    await conversationItem(alicePage, 'nbob').getByTestId('muted-icon').waitFor({ timeout: WAIT });
    await setHidden(alicePage, true);
    await sendText(bobPage, 'muted now');
    await waitForText(alicePage, 'muted now');
    expect(await shown(alicePage)).toHaveLength(1);

    // Unmute: the mark goes, notifications come back.
    await setHidden(alicePage, false);
    await alicePage.getByTestId('conversation-menu-button').click();
    await alicePage.getByTestId('unmute').click();
    await expect.poll(() => conversationItem(alicePage, 'nbob').getByTestId('muted-icon').count(), { timeout: WAIT }).toBe(0);
    await setHidden(alicePage, true);
    await sendText(bobPage, 'back again');
    await expect.poll(async () => (await shown(alicePage)).map((notification) => notification.body), { timeout: WAIT }).toEqual(['while hidden', 'back again']);
    // The mute was stored on the server: a fresh page of Alice's sees no mark (and the server's list has no mutedUntil).
    const reloaded = await signIn(await stubbedContext(), web.cloud, 'nalice');
    await conversationItem(reloaded, 'nbob').waitFor({ timeout: WAIT });
    expect(await conversationItem(reloaded, 'nbob').getByTestId('muted-icon').count()).toBe(0);
  });

  it('blocks the peer from the conversation menu: the chat and the list are marked, the peer’s message is refused, unblock lets it through', async () => {
    const alicePage = await signIn(await stubbedContext(), web.cloud, 'balice');
    const bobPage = await signIn(await stubbedContext(), web.cloud, 'bbob');
    await startDirectChat(bobPage, 'balice');
    await sendText(bobPage, 'before the block');
    await expect.poll(() => conversationItem(alicePage, 'bbob').getByTestId('conversation-preview').textContent(), { timeout: WAIT }).toBe('before the block');
    await openConversation(alicePage, 'bbob');
    await waitForText(alicePage, 'before the block');

    await alicePage.getByTestId('conversation-menu-button').click();
    await alicePage.getByTestId('block-user').click();
    await alicePage.getByTestId('blocked-mark').waitFor({ timeout: WAIT });
    await conversationItem(alicePage, 'bbob').getByTestId('blocked-icon').waitFor({ timeout: WAIT });

    // Bob's message is refused by the server (FORBIDDEN blocked): his page says so, Alice never gets it.
    await sendText(bobPage, 'can you hear me');
    await expect.poll(() => bobPage.getByTestId('error').textContent(), { timeout: WAIT }).toContain('Message not sent');
    await sendText(alicePage, 'not while blocked');
    await expect.poll(() => alicePage.getByTestId('error').textContent(), { timeout: WAIT }).toContain('Message not sent');

    // Unblock from the same menu: the marks go, and a new message arrives.
    await alicePage.getByTestId('conversation-menu-button').click();
    await alicePage.getByTestId('unblock-user').click();
    await expect.poll(() => conversationItem(alicePage, 'bbob').getByTestId('blocked-icon').count(), { timeout: WAIT }).toBe(0);
    await sendText(bobPage, 'after the unblock');
    await waitForText(alicePage, 'after the unblock');
    expect(await shownTexts(alicePage)).not.toContain('can you hear me');
    // The block list lives on the server: a fresh page of Alice's shows no mark.
    const reloaded = await signIn(await stubbedContext(), web.cloud, 'balice');
    await conversationItem(reloaded, 'bbob').waitFor({ timeout: WAIT });
    expect(await conversationItem(reloaded, 'bbob').getByTestId('blocked-icon').count()).toBe(0);
  });
});
