import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncAll, messagesOf } from '../support/timeline-reader.js';
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
  waitConnected,
  waitForText,
  type WebCloud,
} from './browser-support.js';

/** The web chat page (web/) in Chromium against a local cloud: groups, and a lost connection. */
describe('web chat: groups and reconnects', () => {
  const fixture = browserFixture();
  const newContext = (viewport?: { width: number; height: number }) => fixture.newContext(viewport);
  let web: WebCloud;

  beforeAll(async () => {
    await fixture.start();
    web = fixture.web;
  });
  afterAll(() => fixture.stop());

  it('a group of three: messages, a member added, typing shown to the others', async () => {
    const [gina, hank, ivy] = await Promise.all([
      newContext().then((context) => signIn(context, web.cloud, 'gina')),
      newContext().then((context) => signIn(context, web.cloud, 'hank')),
      newContext({ width: 390, height: 760 }).then((context) => signIn(context, web.cloud, 'ivy')), // a phone
    ]);

    await gina.getByTestId('new-group-toggle').click();
    await gina.getByTestId('group-title-input').fill('Team');
    await gina.getByTestId('group-members-input').fill('hank, ivy');
    await gina.getByTestId('create-group-button').click();
    await gina.getByTestId('chat-title').getByText('Team', { exact: true }).waitFor();
    await expect.poll(() => gina.getByTestId('member').allTextContents(), { timeout: WAIT }).toEqual(['gina (you)', 'hank', 'ivy']);

    await sendText(gina, 'hello team');
    await openConversation(hank, 'Team');
    await waitForText(hank, 'hello team');
    await openConversation(ivy, 'Team');
    await waitForText(ivy, 'hello team');
    await sendText(ivy, 'hi from my phone');
    for (const page of [gina, hank]) await waitForText(page, 'hi from my phone');
    expect(await shownTexts(hank)).toEqual(['hello team', 'hi from my phone']);
    // Group read receipts name the readers.
    await expect.poll(() => gina.getByTestId('receipt').first().textContent(), { timeout: WAIT }).toBe('✓✓ Read by hank, ivy');

    // Typing in hank's composer shows on the others' pages.
    await hank.getByTestId('composer-input').pressSequentially('typ');
    for (const page of [gina, ivy]) await expect.poll(() => page.getByTestId('typing-indicator').textContent(), { timeout: WAIT }).toBe('hank is typing…');

    // Membership change: gina adds jack; the others see it.
    await gina.getByTestId('add-member-input').fill('jack');
    await gina.getByTestId('add-member-button').click();
    for (const page of [gina, hank, ivy]) {
      await expect.poll(() => page.getByTestId('member').allTextContents(), { timeout: WAIT }).toContain('jack');
      await expect.poll(() => page.getByTestId('system-message').allTextContents(), { timeout: WAIT }).toContain(page === gina ? 'You added jack' : 'gina added jack');
    }
    const jack = await signIn(await newContext(), web.cloud, 'jack');
    await openConversation(jack, 'Team');
    await expect.poll(() => shownTexts(jack), { timeout: WAIT }).toEqual(['hello team', 'hi from my phone']);
    await sendText(jack, 'thanks for adding me');
    for (const page of [gina, hank, ivy]) await waitForText(page, 'thanks for adding me');

    // Artifacts: the chat view, wide and on a phone.
    await saveScreenshot(gina, 'web-chat-group.png');
    await saveScreenshot(ivy, 'web-chat-group-phone.png');
  });

  it('a tab that loses its connection sends while offline; the message arrives exactly once after it reconnects', async () => {
    const pete = await signIn(await newContext(), web.cloud, 'pete');
    const before = new Set(web.cloud.gateway.connectionIds());
    const oliveContext = await newContext();
    const olive = await signIn(oliveContext, web.cloud, 'olive');
    expect(web.cloud.gateway.connectionIds().filter((id) => !before.has(id)).length).toBeGreaterThan(0);

    await startDirectChat(olive, 'pete');
    await sendText(olive, 'before the outage');
    await openConversation(pete, 'olive');
    await waitForText(pete, 'before the outage');

    // The network goes; offline emulation may leave an open WebSocket alone, so the gateway
    // drops the page's connection too (as a dead network would).
    await oliveContext.setOffline(true);
    // Every connection opened since pete signed in is olive's: on a loaded machine her page may
    // have replaced its first connection (a slow ping) after the ids were read above.
    for (const id of web.cloud.gateway.connectionIds().filter((id) => !before.has(id))) {
      await fetch(`${web.cloud.managementEndpoint}/@connections/${encodeURIComponent(id)}`, { method: 'DELETE' });
    }
    await olive.locator('[data-testid="connection-state"][data-state="offline"]').waitFor({ timeout: WAIT });

    await sendText(olive, 'sent while offline');
    await olive.locator('[data-testid="message"][data-pending] [data-testid="message-text"]', { hasText: 'sent while offline' }).waitFor();
    expect(await shownTexts(pete)).toEqual(['before the outage']);

    await oliveContext.setOffline(false);
    await waitConnected(olive);
    await waitForText(pete, 'sent while offline');
    await waitForText(olive, 'sent while offline');
    await expect.poll(() => olive.locator('[data-testid="message"][data-pending]').count(), { timeout: WAIT }).toBe(0);

    // Exactly once: on both pages, and in pete's timeline on the server.
    await sendText(olive, 'after the outage');
    await waitForText(pete, 'after the outage');
    expect(await shownTexts(pete)).toEqual(['before the outage', 'sent while offline', 'after the outage']);
    expect(await shownTexts(olive)).toEqual(['before the outage', 'sent while offline', 'after the outage']);
    const reader = await connectAs(web.cloud, 'pete', 'timeline-check');
    const texts = messagesOf(await syncAll(reader)).map((message) => (message.body as { text: string }).text);
    await reader.close();
    expect(texts).toEqual(['before the outage', 'sent while offline', 'after the outage']);
    expect(await conversationItem(pete, 'olive').getByTestId('unread-badge').count()).toBe(0);
  });
});
