import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAs } from '../support/test-cloud.js';
import { browserFixture, openConversation, saveScreenshot, signIn, startDirectChat, WAIT, type WebCloud } from './browser-support.js';

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** The page's types, as far as these tests touch them (the test project has no DOM library). */
type ImageElement = { complete: boolean; naturalWidth: number; naturalHeight: number; src: string };
declare const DataTransfer: new () => { items: { add(file: unknown): void } };
declare const DragEvent: new (type: string, init: object) => unknown;
declare const File: new (parts: unknown[], name: string, options: { type: string }) => unknown;

/** A real PNG (RGB, a colour gradient), so the browser decodes it and draws its thumbnail. */
function png(width: number, height: number): Buffer {
  const crcTable = [...Array(256).keys()].map((n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (data: Buffer) => {
    let c = 0xffffffff;
    for (const byte of data) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(typed));
    return Buffer.concat([length, typed, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rows.set([(x * 255) / width, (y * 255) / height, 128], y * (width * 3 + 1) + 1 + x * 3);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** A small valid PDF with one page of text. */
function pdf(): Buffer {
  const text = '%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 200 100]>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n';
  return Buffer.from(text + ' '.repeat(3_000), 'latin1');
}

/** Attachments in the web page: pick or drop a file, the other user sees and downloads the same bytes. */
describe('web chat: attachments', () => {
  const fixture = browserFixture();
  let web: WebCloud;
  beforeAll(async () => {
    await fixture.start();
    web = fixture.web;
  });
  afterAll(() => fixture.stop());

  it('a photo picked with the attach button and a PDF dropped on the chat reach the other user byte for byte', async () => {
    const [alice, bob] = await Promise.all([fixture.newContext().then((c) => signIn(c, web.cloud, 'ann')), fixture.newContext().then((c) => signIn(c, web.cloud, 'ben'))]);
    await startDirectChat(alice, 'ben');

    // A photo through the attach button: shown inline on both sides, with a client-made thumbnail.
    const photo = png(320, 200);
    await alice.getByTestId('attach-input').setInputFiles({ name: 'sunset.png', mimeType: 'image/png', buffer: photo });
    await alice.locator('[data-testid="message"]:not([data-pending]) [data-testid="attachment-image"]').waitFor({ timeout: WAIT });

    await openConversation(bob, 'ann');
    const image = bob.getByTestId('attachment-image');
    await expect.poll(() => image.evaluate((img: ImageElement) => img.complete && img.naturalWidth > 0 && img.src.startsWith('http')), { timeout: WAIT }).toBe(true);
    expect(await image.evaluate((img: ImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([320, 200]);
    const shown = await image.evaluate(async (img: ImageElement) => [...new Uint8Array(await (await fetch(img.src)).arrayBuffer())]);
    expect(sha256(Uint8Array.from(shown))).toBe(sha256(photo));

    // A PDF dropped onto the chat pane: a chip with name and size that downloads.
    const document = pdf();
    await alice.getByTestId('chat').evaluate((chat: { dispatchEvent(event: unknown): boolean }, bytes: number[]) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([Uint8Array.from(bytes)], 'terms.pdf', { type: 'application/pdf' }));
      for (const type of ['dragover', 'drop']) chat.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, [...document]);
    const chip = bob.getByTestId('attachment-file');
    await chip.waitFor({ timeout: WAIT });
    expect(await chip.getByTestId('attachment-name').textContent()).toBe('terms.pdf');
    expect(await chip.getByTestId('attachment-size').textContent()).toBe(`${(document.length / 1024).toFixed(1)} KB`);
    const [download] = await Promise.all([bob.waitForEvent('download'), chip.click()]);
    expect(download.suggestedFilename()).toBe('terms.pdf');
    expect(sha256(await readFile((await download.path())!))).toBe(sha256(document));
    await saveScreenshot(bob, 'attachments-bob.png');

    // What was sent: the image's size and a JPEG thumbnail of at most 8 KB, made in Ann's browser.
    const reader = await connectAs(web.cloud, 'ann');
    try {
      const history = await reader.request('history', { conversationId: 'dm:ann:ben' });
      const [file, image] = history.data.items.map((message: { body: Record<string, unknown> }) => message.body);
      expect(image).toMatchObject({ kind: 'image', name: 'sunset.png', contentType: 'image/png', size: photo.length, width: 320, height: 200 });
      expect(String(image.thumbnail)).toMatch(/^data:image\/jpeg;base64,/);
      expect(String(image.thumbnail).length).toBeLessThanOrEqual(8 * 1024);
      expect(file).toMatchObject({ kind: 'file', name: 'terms.pdf', contentType: 'application/pdf', size: document.length });
    } finally {
      await reader.close();
    }
  });

  it('shows a failed upload with Retry when the server refuses the file, and sends nothing', async () => {
    const alice = await fixture.newContext().then((c) => signIn(c, web.cloud, 'cid'));
    await startDirectChat(alice, 'dee');
    await alice.getByTestId('attach-input').setInputFiles({ name: 'tool.exe', mimeType: 'application/x-msdownload', buffer: Buffer.from('MZ') });
    const upload = alice.getByTestId('upload');
    await expect.poll(() => upload.getAttribute('data-status'), { timeout: WAIT }).toBe('failed');
    expect(await upload.getByTestId('upload-status').textContent()).toContain('contentTypeNotAllowed');
    await upload.getByTestId('upload-discard').click();
    await expect.poll(() => upload.count(), { timeout: WAIT }).toBe(0);
    expect(await alice.locator('[data-testid="message"]:not([data-pending])').count()).toBe(0);
  });
});
