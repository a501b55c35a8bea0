import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAs } from '../support/test-cloud.js';
import {
  conversationItem,
  browserFixture,
  openConversation,
  saveScreenshot,
  sendText,
  shownTexts,
  signIn,
  startDirectChat,
  WAIT,
  waitForText,
  type WebCloud,
} from './browser-support.js';

/** The web chat page (web/) in Chromium against a local cloud: direct chats. */
describe('web chat: direct messages', () => {
  const fixture = browserFixture();
  const newContext = (viewport?: { width: number; height: number }) => fixture.newContext(viewport);
  let web: WebCloud;

  beforeAll(async () => {
    await fixture.start();
    web = fixture.web;
  });
  afterAll(() => fixture.stop());

  it('serves the page, its script and style with their content types, and nothing else', async () => {
    const base = web.cloud.httpUrl;
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('/app.js');
    expect((await fetch(`${base}/app.js`)).headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(`${base}/app.css`)).headers.get('content-type')).toMatch(/^text\/css/);
    for (const other of ['/package.json', '/../package.json', '/%2e%2e/package.json', '/web/serve-web.ts', '/nope']) {
      expect((await fetch(`${base}${other}`)).status, other).toBe(404);
    }
  });

  it('two users chat both ways; the unread badge appears and clears when the conversation is opened', async () => {
    const [alice, bob] = await Promise.all([newContext().then((c) => signIn(c, web.cloud, 'alice')), newContext().then((c) => signIn(c, web.cloud, 'bob'))]);

    await startDirectChat(alice, 'bob');
    await sendText(alice, 'hello bob');
    await waitForText(alice, 'hello bob');
    // Bob is online: his device acknowledges the push, alice sees grey ✓✓ (delivered, not read).
    await expect.poll(() => alice.getByTestId('receipt').last().getAttribute('title'), { timeout: WAIT }).toBe('Delivered');
    expect(await alice.getByTestId('receipt').last().textContent()).toBe('✓✓');

    // Bob has not opened the conversation: a badge and the last message in his list.
    const fromAlice = conversationItem(bob, 'alice');
    await expect.poll(() => fromAlice.getByTestId('unread-badge').textContent(), { timeout: WAIT }).toBe('1');
    expect(await fromAlice.getByTestId('conversation-preview').textContent()).toBe('hello bob');

    // Opening it marks it read: the badge goes, and alice sees the receipt.
    await openConversation(bob, 'alice');
    await waitForText(bob, 'hello bob');
    await expect.poll(() => fromAlice.getByTestId('unread-badge').count(), { timeout: WAIT }).toBe(0);
    await expect.poll(() => alice.getByTestId('receipt').last().textContent(), { timeout: WAIT }).toBe('✓✓ Read');

    // And back: alice has the chat open, so no badge there.
    await sendText(bob, 'hi alice');
    await waitForText(alice, 'hi alice');
    expect(await shownTexts(alice)).toEqual(['hello bob', 'hi alice']);
    await expect.poll(() => conversationItem(alice, 'bob').getByTestId('unread-badge').count(), { timeout: WAIT }).toBe(0);

    // Text is text: markup in a message is shown as typed, never interpreted.
    const markup = '<img src=x onerror="window.__xss = 1"><b>bold</b>';
    await sendText(alice, markup);
    await waitForText(bob, markup);
    expect(await bob.locator('[data-testid="messages"] img, [data-testid="messages"] b').count()).toBe(0);
    expect(await bob.evaluate('window.__xss')).toBeUndefined();
    expect(await conversationItem(bob, 'alice').getByTestId('conversation-preview').textContent()).toBe(markup);

    await saveScreenshot(alice, 'web-chat-direct.png');
  });

  it('several tabs of one user stay in sync (each tab is its own device)', async () => {
    const context = await newContext();
    const tab1 = await signIn(context, web.cloud, 'tina');
    const tab2 = await signIn(context, web.cloud, 'tina');
    const devices = await Promise.all([tab1, tab2].map((tab) => tab.evaluate<string | null>('sessionStorage.getItem("imweb:device")')));
    expect(devices[0]).toBeTruthy();
    expect(devices[0]).not.toBe(devices[1]);
    const uma = await signIn(await newContext(), web.cloud, 'uma');

    // What tab 1 sends shows in tab 2.
    await startDirectChat(tab1, 'uma');
    await sendText(tab1, 'from tab one');
    await expect.poll(() => conversationItem(tab2, 'uma').getByTestId('conversation-preview').textContent(), { timeout: WAIT }).toBe('You: from tab one');

    // A reply is unread in both tabs (tab 1 moves to another chat first); reading it in tab 1
    // clears tab 2's badge.
    await tab1.getByTestId('new-chat-input').fill('someone-else');
    await tab1.getByTestId('new-chat-button').click();
    await openConversation(uma, 'tina');
    await sendText(uma, 'reply to tina');
    for (const tab of [tab1, tab2]) {
      await expect.poll(() => conversationItem(tab, 'uma').getByTestId('unread-badge').textContent(), { timeout: WAIT }).toBe('1');
    }
    await openConversation(tab1, 'uma');
    await waitForText(tab1, 'reply to tina');
    await expect.poll(() => conversationItem(tab2, 'uma').getByTestId('unread-badge').count(), { timeout: WAIT }).toBe(0);
    await openConversation(tab2, 'uma');
    expect(await shownTexts(tab2)).toEqual(['from tab one', 'reply to tina']);
  });

  it('a user who was offline signs in and sees every message, in order, with older pages on demand', async () => {
    const alice = await signIn(await newContext(), web.cloud, 'alice2');
    await startDirectChat(alice, 'carol');
    for (const text of ['one', 'two', 'three']) await sendText(alice, text);
    await waitForText(alice, 'three');

    // A long conversation from another sender (through the protocol directly, for speed).
    const erin = await connectAs(web.cloud, 'erin');
    const erinTexts = Array.from({ length: 45 }, (_, index) => `erin ${index + 1}`);
    for (const text of erinTexts) {
      const reply = await erin.request('send', { to: 'carol', clientMsgId: `erin-${text.replace(' ', '-')}`, body: { kind: 'text', text } });
      expect(reply.ok).toBe(true);
    }
    await erin.close();
    await expect.poll(async () => (await shownTexts(alice)).length, { timeout: WAIT }).toBe(3);

    const carol = await signIn(await newContext(), web.cloud, 'carol');
    await expect.poll(() => conversationItem(carol, 'alice2').getByTestId('unread-badge').textContent(), { timeout: WAIT }).toBe('3');
    await expect.poll(() => conversationItem(carol, 'erin').getByTestId('unread-badge').textContent(), { timeout: WAIT }).toBe('45');
    // Newest activity first.
    const names = await carol.getByTestId('conversation-name').allTextContents();
    expect(names.indexOf('erin')).toBeLessThan(names.indexOf('alice2'));

    await openConversation(carol, 'alice2');
    await expect.poll(() => shownTexts(carol), { timeout: WAIT }).toEqual(['one', 'two', 'three']);

    // The long one: the latest page first, then older ones.
    await openConversation(carol, 'erin');
    await expect.poll(() => shownTexts(carol), { timeout: WAIT }).toEqual(erinTexts.slice(-30));
    await carol.getByTestId('load-older').click();
    await expect.poll(() => shownTexts(carol), { timeout: WAIT }).toEqual(erinTexts);
    await expect.poll(() => carol.getByTestId('load-older').isVisible(), { timeout: WAIT }).toBe(false);
    await expect.poll(() => conversationItem(carol, 'erin').getByTestId('unread-badge').count(), { timeout: WAIT }).toBe(0);
  });
});
