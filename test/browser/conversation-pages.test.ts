import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDirectConversations } from '../support/seed-conversations.js';
import { browserFixture, signIn, WAIT, type WebCloud } from './browser-support.js';

/** The web page's conversation list in pages (issue 18): the first 50, then "More" until all are there. */
describe('web chat: a long conversation list', () => {
  const fixture = browserFixture();
  let web: WebCloud;

  beforeAll(async () => {
    await fixture.start();
    web = fixture.web;
  });
  afterAll(() => fixture.stop());

  it('offers "More" while the server has older conversations, and ends with every one and its exact unread', async () => {
    const userId = `longlist${process.pid}`;
    await seedDirectConversations(web.cloud, userId, 62, { unread: 2 });
    const context = await fixture.newContext();
    const page = await signIn(context, web.cloud, userId);
    const items = page.getByTestId('conversation-item');
    // The newest first: the peer seeded last.
    await expect.poll(() => items.first().getAttribute('data-conversation-id'), { timeout: WAIT }).toContain('peer-00061');
    const more = page.getByTestId('more-conversations');
    await more.waitFor();
    // A new device also learns conversations from its timeline's sync; the pages give their read state.
    for (let clicks = 0; (await more.count()) > 0 && clicks < 5; clicks++) {
      await more.click().catch(() => undefined);
      await page.waitForTimeout(200);
    }
    await expect.poll(() => more.count(), { timeout: WAIT }).toBe(0);
    await expect.poll(() => items.count(), { timeout: WAIT }).toBe(62);
    // The two unread are the oldest (the last page), the sixty others read.
    await expect.poll(() => page.locator('[data-testid="conversation-item"][data-unread="1"]').count(), { timeout: WAIT }).toBe(2);
    await expect.poll(() => page.locator('[data-testid="conversation-item"][data-unread="0"]').count(), { timeout: WAIT }).toBe(60);
    await context.close();
  }, 180_000);
});
