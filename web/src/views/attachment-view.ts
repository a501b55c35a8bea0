import type { AttachmentBody, Message } from '../../../client/src/index.js';
import type { AppContext } from '../context.js';
import { h } from '../dom.js';

export const fileSize = (bytes: number): string =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * The attachment of a message: images and video inline (the sender's thumbnail at once, the file
 * once its short-lived URL arrived), voice notes as a player, other files as a chip with name and
 * size that downloads. Elements are kept per message, so re-rendering the list never reloads a
 * picture or stops a video.
 */
export class AttachmentViews {
  private readonly views = new Map<string, HTMLElement>();

  constructor(private readonly context: AppContext) {}

  of(message: Message & { body: AttachmentBody }): HTMLElement {
    let view = this.views.get(message.msgId);
    if (!view) this.views.set(message.msgId, (view = this.build(message)));
    return view;
  }

  private build(message: Message & { body: AttachmentBody }): HTMLElement {
    const { body } = message;
    const attrs = { 'data-attachment-id': body.attachmentId, 'data-kind': body.kind };
    const caption = body.caption ? h('span', { class: 'caption', testid: 'attachment-caption' }, body.caption) : null;
    if (body.kind === 'image' || body.kind === 'video') {
      const ratio = body.width && body.height ? `${body.width} / ${body.height}` : undefined;
      const media =
        body.kind === 'image'
          ? h('img', { class: 'media', testid: 'attachment-image', attrs: { alt: body.name, ...(body.thumbnail ? { src: body.thumbnail } : {}) } })
          : h('video', { class: 'media', testid: 'attachment-video', attrs: { controls: '', preload: 'metadata', ...(body.thumbnail ? { poster: body.thumbnail } : {}) } });
      if (ratio) media.style.aspectRatio = ratio;
      void this.resolve(message, (url) => media.setAttribute('src', url));
      return h('span', { class: 'attachment', testid: 'attachment', attrs }, media, caption);
    }
    if (body.kind === 'audio') {
      const player = h('audio', { class: 'voice', testid: 'attachment-audio', attrs: { controls: '', preload: 'none' } });
      void this.resolve(message, (url) => player.setAttribute('src', url));
      return h('span', { class: 'attachment', testid: 'attachment', attrs }, player, caption);
    }
    const chip = h(
      'button',
      {
        class: 'file-chip',
        testid: 'attachment-file',
        title: `Download ${body.name}`,
        attrs: { type: 'button' },
        on: { click: () => void this.resolve(message, (url) => download(url, body.name)) },
      },
      h('span', { class: 'file-icon' }, '📎'),
      h('span', { class: 'file-name', testid: 'attachment-name' }, body.name),
      h('span', { class: 'file-size', testid: 'attachment-size' }, fileSize(body.size)),
    );
    return h('span', { class: 'attachment', testid: 'attachment', attrs }, chip, caption);
  }

  private async resolve(message: Message, use: (url: string) => void): Promise<void> {
    try {
      use(await this.context.client.downloadUrl(message));
    } catch {
      // Recalled, or the connection is down: the thumbnail (or the name) stays.
    }
  }
}

/** S3 serves files with `Content-Disposition: attachment`: navigating to the URL saves the file. */
function download(url: string, name: string): void {
  const link = h('a', { attrs: { href: url, download: name, rel: 'noopener' } });
  document.body.appendChild(link);
  link.click();
  link.remove();
}
