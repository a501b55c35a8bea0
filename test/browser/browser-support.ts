import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { LocalCloud, LocalCloudOptions } from '../../local-cloud/local-cloud.js';
import { buildWeb } from '../../scripts/build-web.mjs';
import { webChatHandler } from '../../web/serve-web.js';
import { startTestCloud } from '../support/test-cloud.js';

/** Debian's Chromium (scripts/ensure-chromium.mjs installs it); CHROMIUM_PATH overrides. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** Screenshots and other artifacts (git-ignored). */
export const ARTIFACTS = path.resolve('test-results');
/** Generous bounds against hangs: conditions are polled, never timed. */
export const WAIT = 60_000;

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
}

export interface WebCloud {
  cloud: LocalCloud;
  stop(): Promise<void>;
}

/** Builds the page into a folder of this test file's own and starts a local cloud that serves it. */
export async function startWebCloud(start: (options: LocalCloudOptions) => Promise<LocalCloud> = startTestCloud): Promise<WebCloud> {
  const dir = await mkdtemp(path.join(tmpdir(), 'web-chat-'));
  await buildWeb({ outDir: dir });
  const cloud = await start({ httpHandler: webChatHandler({ dir }) });
  return {
    cloud,
    async stop() {
      await cloud.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/** Opens the page in a new tab of `context` and signs in; resolves once connected. */
export async function signIn(context: BrowserContext, cloud: LocalCloud, user: string): Promise<Page> {
  const started = Date.now();
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.on('pageerror', (error) => console.error(`[page ${user}] ${error.message}`));
  await page.goto(`${cloud.httpUrl}/`);
  await page.getByTestId('signin-user').fill(user);
  await page.getByTestId('signin-button').click();
  await waitConnected(page);
  if (process.env.WEB_TEST_TIMING) console.log(`signIn ${user}: ${Date.now() - started} ms`);
  return page;
}

export async function waitConnected(page: Page): Promise<void> {
  await page.locator('[data-testid="connection-state"][data-state="connected"]').waitFor({ timeout: WAIT });
}

/** The list entry of a conversation, by its shown name (peer or group title). */
export const conversationItem = (page: Page, name: string): Locator =>
  page.getByTestId('conversation-item').filter({ has: page.getByTestId('conversation-name').getByText(name, { exact: true }) });

export async function startDirectChat(page: Page, peer: string): Promise<void> {
  await page.getByTestId('new-chat-input').fill(peer);
  await page.getByTestId('new-chat-button').click();
  await page.getByTestId('chat-title').getByText(peer, { exact: true }).waitFor();
}

export async function openConversation(page: Page, name: string): Promise<void> {
  await conversationItem(page, name).getByRole('button').click();
  await page.getByTestId('chat-title').getByText(name, { exact: true }).waitFor();
}

export async function sendText(page: Page, text: string): Promise<void> {
  await page.getByTestId('composer-input').fill(text);
  await page.getByTestId('send-button').click();
}

/** Texts of the delivered (not pending) messages shown in the open chat, in order. */
export const shownTexts = (page: Page): Promise<string[]> =>
  page.locator('[data-testid="message"]:not([data-pending]) [data-testid="message-text"]').allTextContents();

/** Polls until `text` is shown as a delivered message in the open chat. */
export async function waitForText(page: Page, text: string): Promise<void> {
  await expect.poll(async () => (await shownTexts(page)).includes(text), { timeout: WAIT, interval: 100 }).toBe(true);
}

/**
 * One local cloud with the web page and one Chromium for a test file, with a context per
 * simulated person; `start()` in beforeAll, `stop()` in afterAll.
 */
/** `startCloud`: another cloud than the default test cloud (e.g. test/support/moderation-cloud.ts's). */
export function browserFixture(startCloud?: (options: LocalCloudOptions) => Promise<LocalCloud>) {
  const contexts: BrowserContext[] = [];
  const state: { web?: WebCloud; browser?: Browser } = {};
  return {
    get web(): WebCloud {
      return state.web!;
    },
    async start(): Promise<void> {
      [state.web, state.browser] = await Promise.all([startWebCloud(startCloud), launchBrowser()]);
    },
    async newContext(viewport = { width: 1100, height: 720 }): Promise<BrowserContext> {
      const context = await state.browser!.newContext({ viewport });
      contexts.push(context);
      return context;
    },
    async stop(): Promise<void> {
      for (const context of contexts) await context.close().catch(() => undefined);
      await state.browser?.close();
      await state.web?.stop();
    },
  };
}
