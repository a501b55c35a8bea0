import { actions, attachmentKindOf, bodySchema, isInlineContentType, MAX_THUMBNAIL_CHARS } from '@serverless-im/protocol';
import { describe, expect, it } from 'vitest';

const ok = (schema: { safeParse(value: unknown): { success: boolean } }, value: unknown) => schema.safeParse(value).success;
const image = { kind: 'image', attachmentId: 'a'.repeat(26), name: 'cat.png', size: 1234, contentType: 'image/png' };

describe('attachment bodies', () => {
  it('accept the four kinds with their optional fields', () => {
    expect(ok(bodySchema, image)).toBe(true);
    expect(ok(bodySchema, { ...image, width: 640, height: 480, thumbnail: 'data:image/jpeg;base64,/9j/4AAQ', caption: 'look' })).toBe(true);
    expect(ok(bodySchema, { ...image, kind: 'video', contentType: 'video/mp4', durationMs: 12_000 })).toBe(true);
    expect(ok(bodySchema, { ...image, kind: 'audio', contentType: 'audio/ogg', durationMs: 0 })).toBe(true);
    expect(ok(bodySchema, { ...image, kind: 'file', name: 'report.pdf', contentType: 'application/pdf' })).toBe(true);
  });

  it('keep the kind and the content type together; SVG is only ever a file', () => {
    expect(ok(bodySchema, { ...image, contentType: 'application/pdf' })).toBe(false);
    expect(ok(bodySchema, { ...image, kind: 'audio', contentType: 'video/mp4' })).toBe(false);
    expect(ok(bodySchema, { ...image, contentType: 'image/svg+xml' })).toBe(false);
    expect(ok(bodySchema, { ...image, kind: 'file', contentType: 'image/svg+xml' })).toBe(true);
    // A photo may be sent as a file (uncompressed, as a download).
    expect(ok(bodySchema, { ...image, kind: 'file' })).toBe(true);
  });

  it('refuse what could not be shown or stored safely', () => {
    expect(ok(bodySchema, { ...image, size: 0 })).toBe(false);
    expect(ok(bodySchema, { ...image, size: 1.5 })).toBe(false);
    expect(ok(bodySchema, { ...image, name: '' })).toBe(false);
    expect(ok(bodySchema, { ...image, name: 'a\r\nb.png' })).toBe(false);
    expect(ok(bodySchema, { ...image, name: 'x'.repeat(256) })).toBe(false);
    expect(ok(bodySchema, { ...image, contentType: 'image/PNG' })).toBe(false);
    expect(ok(bodySchema, { ...image, contentType: 'image/png; charset=x' })).toBe(false);
    expect(ok(bodySchema, { ...image, attachmentId: 'short' })).toBe(false);
    expect(ok(bodySchema, { ...image, extra: 1 })).toBe(false);
    expect(ok(bodySchema, { ...image, thumbnail: 'https://example.com/x.png' })).toBe(false);
    expect(ok(bodySchema, { ...image, thumbnail: 'data:image/svg+xml;base64,PHN2Zz4=' })).toBe(false);
    const base64 = 'A'.repeat(MAX_THUMBNAIL_CHARS - 'data:image/png;base64,'.length);
    expect(ok(bodySchema, { ...image, thumbnail: `data:image/png;base64,${base64}` })).toBe(true);
    expect(ok(bodySchema, { ...image, thumbnail: `data:image/png;base64,${base64}AAAA` })).toBe(false);
    expect(ok(bodySchema, { ...image, caption: '' })).toBe(false);
  });

  it('send one inside a send frame', () => {
    expect(ok(actions.send.request, { action: 'send', id: '1', clientMsgId: 'c', to: 'bob', body: image })).toBe(true);
  });
});

describe('attachmentUpload and attachmentDownload frames', () => {
  it('want a name, a type and a size within S3’s single-upload limit', () => {
    const frame = { action: 'attachmentUpload', id: '1', name: 'cat.png', contentType: 'image/png', size: 10 };
    expect(ok(actions.attachmentUpload.request, frame)).toBe(true);
    expect(ok(actions.attachmentUpload.request, { ...frame, size: 5 * 1024 ** 3 + 1 })).toBe(false);
    expect(ok(actions.attachmentUpload.request, { ...frame, contentType: 'png' })).toBe(false);
    expect(ok(actions.attachmentUpload.request, { ...frame, name: undefined })).toBe(false);
  });

  it('name a message by conversation and conversationSeq', () => {
    expect(ok(actions.attachmentDownload.request, { action: 'attachmentDownload', id: '1', conversationId: 'dm:ann:bob', conversationSeq: 3 })).toBe(true);
    expect(ok(actions.attachmentDownload.request, { action: 'attachmentDownload', id: '1', conversationId: 'dm:ann:bob', conversationSeq: 0 })).toBe(false);
  });
});

describe('attachment kinds', () => {
  it('show images, video and audio inline, everything else (SVG included) only as a download', () => {
    expect(attachmentKindOf('image/jpeg')).toBe('image');
    expect(attachmentKindOf('video/mp4')).toBe('video');
    expect(attachmentKindOf('audio/webm')).toBe('audio');
    expect(attachmentKindOf('application/pdf')).toBe('file');
    expect(attachmentKindOf('image/svg+xml')).toBe('file');
    expect(isInlineContentType('image/png')).toBe(true);
    expect(isInlineContentType('text/html')).toBe(false);
    expect(isInlineContentType('image/svg+xml')).toBe(false);
  });
});
