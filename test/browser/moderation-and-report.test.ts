import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModerationCloud } from '../support/moderation-cloud.js';
import { browserFixture, openConversation, sendText, shownTexts, signIn, startDirectChat, WAIT, waitForText, type WebCloud } from './browser-support.js';

/** A shown (stored) message row by a text it contains. */
const row = (page: Page, text: string) => page.locator('[data-testid="message"]:not([data-pending])').filter({ hasText: text });

/**
 * The web page with the moderation hook on (the word list of examples/moderation/: `spamlink`
 * is refused, `heck` starred out) and the message menu's report: what a user sees of both, and
 * that a report reaches the company as a `message.reported` event.
 */
describe('web chat: moderation and reporting', () => {
  const fixture = browserFixture((options) => startModerationCloud({}, options));
  let web: WebCloud;

  beforeAll(async () => {
    await fixture.start();
    web = fixture.web;
  });
  afterAll(() => fixture.stop());

  it('shows the redacted text on the sender’s page as everywhere, says why a refused message was not sent, and reports from the message menu', async () => {
    const [alice, bob] = await Promise.all([
      fixture.newContext().then((context) => signIn(context, web.cloud, 'malice')),
      fixture.newContext().then((context) => signIn(context, web.cloud, 'mbob')),
    ]);
    await startDirectChat(alice, 'mbob');
    await sendText(alice, 'what the heck');
    // The sending page shows what was stored (the reply carries it), not what was typed.
    await waitForText(alice, 'what the ****');
    await openConversation(bob, 'malice');
    await waitForText(bob, 'what the ****');
    expect(await shownTexts(alice)).toEqual(['what the ****']);

    await sendText(alice, 'buy at spamlink');
    await expect.poll(() => alice.getByTestId('error').textContent(), { timeout: WAIT }).toContain('refused by moderation');
    expect(await shownTexts(bob)).toEqual(['what the ****']);

    // Bob reports the message from its menu: the page thanks him, and the company gets the event.
    await row(bob, 'what the ****').getByTestId('message-menu-button').click();
    await row(bob, 'what the ****').getByTestId('menu-report-abuse').click();
    await expect.poll(() => bob.getByTestId('error').textContent(), { timeout: WAIT }).toContain('Message reported');
    // One's own messages have no report item.
    await row(alice, 'what the ****').getByTestId('message-menu-button').click();
    expect(await row(alice, 'what the ****').getByTestId('menu-report-spam').count()).toBe(0);
    await web.cloud.streams.drained({ ignore: ['DeliveryRepair'] });
    const reported = web.cloud.events.list({ source: 'serverless-im' }).filter(({ event }) => event['detail-type'] === 'message.reported');
    expect(reported.map(({ event }) => event.detail)).toEqual([expect.objectContaining({ reporter: 'mbob', author: 'malice', reason: 'harassment', conversationId: 'dm:malice:mbob' })]);
  });
});
