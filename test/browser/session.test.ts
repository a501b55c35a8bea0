import type { ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserFixture, signIn, startDirectChat, WAIT, waitConnected, type WebCloud } from './browser-support.js';

/** The web chat page (web/) in Chromium against a local cloud: a clean console, and the SDK's terminal state. */
describe('web chat: page health and the end of a session', () => {
  const fixture = browserFixture();
  let web: WebCloud;

  beforeAll(async () => {
    await fixture.start();
    web = fixture.web;
  });
  afterAll(() => fixture.stop());

  /** Console errors, uncaught page errors and failed requests of a page, from before its first load. */
  function problemsOf(page: Page): string[] {
    const problems: string[] = [];
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`requestfailed: ${request.url()}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    return problems;
  }

  it('loads, signs in, chats and reloads without a single console error or failed request', async () => {
    const context = await fixture.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    const problems = problemsOf(page);
    await page.goto(`${web.cloud.httpUrl}/`);
    await page.getByTestId('signin-user').waitFor();
    await page.getByTestId('signin-user').fill('quinn');
    await page.getByTestId('signin-button').click();
    await waitConnected(page);
    await startDirectChat(page, 'rosa');
    await page.reload();
    await waitConnected(page);
    // Let late requests (an icon the browser asks for after load) land.
    await page.waitForLoadState('networkidle');
    expect(problems).toEqual([]);
  });

  it('a token the local cloud refuses ends the session: back to sign-in with a message, and signing in again works', async () => {
    const context = await fixture.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    // The dev token endpoint hands out tokens that expired a minute ago (as a stale session would).
    const expired = await web.cloud.devToken('sam', { ttlSeconds: -60 });
    let tokenRequests = 0;
    await page.route('**/dev/token?*', async (route) => {
      tokenRequests++;
      await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ token: expired }) });
    });
    const handshakes: string[] = [];
    page.on('websocket', (socket) => handshakes.push(socket.url()));

    await page.goto(`${web.cloud.httpUrl}/`);
    await page.getByTestId('signin-user').fill('sam');
    await page.getByTestId('signin-button').click();
    await page.getByTestId('signin-form').waitFor({ timeout: WAIT });
    await expect.poll(() => page.getByTestId('signin-error').textContent(), { timeout: WAIT }).toBe('Your session expired. Sign in again.');
    // Three attempts (each with a token asked for afresh), then nothing more.
    expect(tokenRequests).toBe(3);
    expect(handshakes).toHaveLength(3);
    expect(await page.evaluate<string | null>('sessionStorage.getItem("imweb:user")')).toBeNull();
    expect(await page.evaluate<boolean>('window.__imChat === undefined')).toBe(true);

    // A good token again: signing in connects.
    await page.unroute('**/dev/token?*');
    await page.getByTestId('signin-user').fill('sam');
    await page.getByTestId('signin-button').click();
    await waitConnected(page);
    expect(handshakes).toHaveLength(4);
  });

  it('signs in, signs out and signs in as someone else', async () => {
    const page = await signIn(await fixture.newContext(), web.cloud, 'tess');
    await page.getByTestId('signout').click();
    await page.getByTestId('signin-form').waitFor();
    expect(await page.getByTestId('signin-error').textContent()).toBe('');
    await page.getByTestId('signin-user').fill('uri');
    await page.getByTestId('signin-button').click();
    await waitConnected(page);
    expect(await page.getByTestId('me').textContent()).toBe('uri');
  });
});
