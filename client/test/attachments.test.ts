import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isImError } from '../src/errors.js';
import { FakeServer } from './fake-server.js';
import { done, makeClient, settle } from './helpers.js';

describe('sendAttachment: upload straight to S3, then the message through the outbox', () => {
  let server: FakeServer;
  beforeEach(() => {
    vi.useFakeTimers();
    server = new FakeServer();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const bytes = (size: number) => new Uint8Array(size).map((_, index) => index % 251);
  const clientFor = (user: string, options = {}) =>
    makeClient(server, user, { autoLoadConversations: false, uploadTransport: server.uploadTransport, uploadRetry: { baseDelayMs: 100, maxDelayMs: 1_000 }, ...options });

  it('uploads the bytes, reports progress, then sends a message naming exactly what was uploaded', async () => {
    const { client, events } = clientFor('alice');
    await client.start();
    const photo = new Blob([bytes(1_000)], { type: 'image/png' });
    const reply = await done(client.sendAttachment('bob', photo, { caption: 'look', name: 'cat.png', width: 10, height: 20 }));

    expect(reply).toMatchObject({ conversationId: 'dm:alice:bob', conversationSeq: 1 });
    const [message] = server.messages('dm:alice:bob');
    const attachmentId = (message!.body as { attachmentId: string }).attachmentId;
    expect(message!.body).toEqual({ kind: 'image', attachmentId, name: 'cat.png', size: 1_000, contentType: 'image/png', width: 10, height: 20, caption: 'look' });
    expect(server.attachments.get(attachmentId)!.bytes).toEqual(bytes(1_000));
    // Progress: half way, then all of it; the upload came before the send.
    expect(events.uploadProgress!.map((progress) => progress.loaded)).toEqual([500, 1_000, 1_000]);
    expect(server.trace.indexOf('recv attachmentUpload')).toBeLessThan(server.trace.findIndex((line) => line.startsWith('recv send')));
    expect(events.uploads!.map((entries) => entries.map((entry) => entry.status))).toEqual([['uploading'], ['sending'], []]);
    expect(client.uploads).toEqual([]);
    await client.stop();
  });

  it('takes bytes, a conversation id and the kind from the content type; downloadUrl asks once per URL lifetime', async () => {
    const { client } = clientFor('alice');
    await client.start();
    const group = await done(client.createGroup('team', ['bob']));
    const reply = await done(client.sendAttachment(group.conversationId, bytes(300), { name: 'report.pdf', contentType: 'application/pdf' }));
    const [message] = server.messages(group.conversationId);
    expect(message!.body).toMatchObject({ kind: 'file', name: 'report.pdf', contentType: 'application/pdf', size: 300 });

    const first = await done(client.downloadUrl(message!));
    expect(first).toContain(`/attachments/${(message!.body as { attachmentId: string }).attachmentId}`);
    expect(await done(client.downloadUrl(message!))).toBe(first);
    await vi.advanceTimersByTimeAsync(14 * 60_000 + 1);
    const renewed = await done(client.downloadUrl(message!));
    expect(renewed).not.toBe(first);
    expect(server.trace.filter((line) => line === 'recv attachmentDownload')).toHaveLength(2);
    expect(reply.conversationSeq).toBe(1);
    await client.stop();
  });

  it('retries a dropped or failing upload with backoff and sends once; a 412 after a lost answer counts as uploaded', async () => {
    const { client } = clientFor('alice');
    await client.start();
    server.uploadFaults.push({ kind: 'network' }, { kind: 'status', status: 503, code: 'SlowDown' });
    await done(client.sendAttachment('bob', bytes(100), { contentType: 'image/png' }));
    expect(server.uploadLog.map((line) => line.split(' ')[2])).toEqual(['network', '503', '200']);
    expect(server.messages('dm:alice:bob')).toHaveLength(1);

    // The upload arrived but its answer was lost: the retry sees the write-once URL refuse (412).
    const original = server.uploadTransport;
    let lose = true;
    const lossy = makeClient(server, 'carol', {
      autoLoadConversations: false,
      uploadRetry: { baseDelayMs: 100 },
      uploadTransport: async (request) => {
        const response = await original(request);
        if (lose) {
          lose = false;
          throw new Error('answer lost');
        }
        return response;
      },
    });
    await lossy.client.start();
    await done(lossy.client.sendAttachment('bob', bytes(50), { contentType: 'image/png' }));
    expect(server.uploadLog.slice(-2).map((line) => line.split(' ')[2])).toEqual(['200', '412']);
    expect(server.messages('dm:bob:carol')).toHaveLength(1);
    await Promise.all([client.stop(), lossy.client.stop()]);
  });

  it('asks for a fresh URL when the old one expired', async () => {
    const { client } = clientFor('alice');
    await client.start();
    server.uploadFaults.push({ kind: 'status', status: 403, code: 'AccessDenied' });
    await done(client.sendAttachment('bob', bytes(10), { contentType: 'image/png' }));
    expect(server.trace.filter((line) => line === 'recv attachmentUpload')).toHaveLength(2);
    expect(server.messages('dm:alice:bob')).toHaveLength(1);
    await client.stop();
  });

  it('leaves a failed message, never one without its bytes, that the app can retry or discard', async () => {
    const { client, events } = clientFor('alice', { uploadRetry: { maxAttempts: 3, baseDelayMs: 100 } });
    await client.start();
    server.uploadFaults.push({ kind: 'network' }, { kind: 'network' }, { kind: 'network' });
    const failed = client.sendAttachment('bob', bytes(10), { contentType: 'image/png', clientMsgId: 'photo-1' });
    const error = await done(failed).catch((caught: unknown) => caught);
    expect(isImError(error) && error.code).toBe('DISCONNECTED');
    expect(server.trace.some((line) => line.startsWith('recv send'))).toBe(false);
    expect(client.uploads).toEqual([expect.objectContaining({ clientMsgId: 'photo-1', status: 'failed', attempts: 3, error: expect.objectContaining({ code: 'DISCONNECTED' }) })]);

    const reply = await done(client.retryAttachment('photo-1'));
    expect(reply.conversationSeq).toBe(1);
    expect(server.sendFrames('alice').map((frame) => frame.clientMsgId)).toEqual(['photo-1']);
    expect(client.uploads).toEqual([]);
    expect(events.uploads!.at(-1)).toEqual([]);

    server.uploadFaults.push({ kind: 'status', status: 400, code: 'InvalidRequest' });
    await done(client.sendAttachment('bob', bytes(10), { contentType: 'image/png', clientMsgId: 'photo-2' })).catch(() => undefined);
    expect(client.uploads.map((entry) => [entry.clientMsgId, entry.status, entry.error?.reason])).toEqual([['photo-2', 'failed', 'uploadRefused']]);
    expect(client.discardAttachment('photo-2')).toBe(true);
    expect(client.uploads).toEqual([]);
    await client.stop();
  });

  it('does not retry what the server refuses (too large, type, quota) and sends nothing', async () => {
    const { client } = clientFor('alice');
    await client.start();
    server.failNext('attachmentUpload', 'TOO_LARGE', 1, 'too large', 'attachmentTooLarge');
    const error = await done(client.sendAttachment('bob', bytes(10), { contentType: 'image/png' })).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'TOO_LARGE', reason: 'attachmentTooLarge' });
    await settle();
    expect(server.trace.filter((line) => line === 'recv attachmentUpload')).toHaveLength(1);
    expect(server.uploadLog).toEqual([]);
    expect(client.uploads[0]).toMatchObject({ status: 'failed', error: { code: 'TOO_LARGE' } });
    await client.stop();
  });
});
