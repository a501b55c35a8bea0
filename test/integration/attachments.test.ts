import { randomBytes } from 'node:crypto';
import { HeadObjectCommand, GetObjectTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ImClient, type MessageItem } from '../../client/src/index.js';
import { LOCAL_CREDENTIALS, type LocalCloud } from '../../local-cloud/local-cloud.js';
import { askUpload, download, putBytes, s3ErrorCode, sha256, uploadFile } from '../support/attachment-upload.js';
import { requestOnce } from '../reliability/harness.js';
import { waitForQueuesIdle } from '../support/fan-out-idle.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { messagesOf, syncAll } from '../support/timeline-reader.js';
import type { TestClient } from '../support/ws-client.js';

/**
 * Attachments end to end on the local cloud: real bytes through presigned S3 URLs made by the
 * real handlers (IAM enforced), real WebSocket clients, and what S3 and the tables hold after.
 */

let counter = 0;
const unique = (name: string) => `${name}-${process.pid}-${++counter}`;
const MB = 1024 * 1024;
/** Lowered deployment settings: read fan-out from 5 members, 1 MB files, 3 MB a day. */
const THRESHOLD = 5;
const MAX_BYTES = 1 * MB;
const QUOTA_BYTES = 3 * MB;

let cloud: LocalCloud;
let admin: S3Client;
let bucket: string;
/** The local S3's clock runs this far ahead of the real one (to see a URL expire without waiting). */
let s3ClockOffsetMs = 0;
const clients: TestClient[] = [];
const connect = async (userId: string): Promise<TestClient> => {
  const client = await connectAs(cloud, userId);
  clients.push(client);
  return client;
};

beforeAll(async () => {
  cloud = await startTestCloud({
    functionEnvironment: {
      LARGE_GROUP_THRESHOLD: String(THRESHOLD),
      MAX_ATTACHMENT_BYTES: String(MAX_BYTES),
      ATTACHMENT_DAILY_QUOTA_BYTES: String(QUOTA_BYTES),
      // HTML is allowed here only to show it is never served as a page.
      ATTACHMENT_CONTENT_TYPES: 'image/png,image/jpeg,video/mp4,audio/ogg,application/pdf,text/html',
    },
    s3Clock: () => new Date(Date.now() + s3ClockOffsetMs),
  });
  admin = new S3Client({ endpoint: cloud.s3Endpoint, region: cloud.model.region, credentials: LOCAL_CREDENTIALS });
  bucket = cloud.bucketName('AttachmentsBucket');
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  admin?.destroy();
  await cloud?.stop();
});

const png = (size = 50_000) => ({ name: 'photo.png', contentType: 'image/png', bytes: new Uint8Array(randomBytes(size)) });
const tagsOf = async (attachmentId: string) =>
  (await admin.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: `attachments/${attachmentId}` }))).TagSet?.map((tag) => `${tag.Key}=${tag.Value}`);

async function expectNothingStored(client: TestClient, conversationId: string, timelineBefore: number): Promise<void> {
  const history = await client.request('history', { conversationId });
  if (history.ok) expect(history.data.items).toEqual([]);
  else expect(history.error?.code).toBe('FORBIDDEN');
  expect((await syncAll(client)).length).toBe(timelineBefore);
}

describe('attachments in a direct chat', () => {
  it('the recipient downloads exactly the bytes the sender uploaded; the upload is then marked attached', async () => {
    const [aliceId, bobId] = [unique('alice'), unique('bob')];
    const [alice, bob] = [await connect(aliceId), await connect(bobId)];
    const file = png(300_000);

    const grant = await askUpload(alice, { name: file.name, contentType: file.contentType, size: file.bytes.length });
    expect(grant.upload.method).toBe('PUT');
    expect(new URL(grant.upload.url).origin).toBe(cloud.s3Endpoint);
    expect(grant.expiresAt - Date.now()).toBeGreaterThan(14 * 60_000);
    expect((await putBytes(grant, file.bytes)).status).toBe(200);
    expect(await tagsOf(grant.attachmentId)).toEqual(['attachment=pending']);

    const body = { kind: 'image', attachmentId: grant.attachmentId, name: file.name, size: file.bytes.length, contentType: file.contentType, width: 640, height: 480, caption: 'look' };
    const sent = await alice.request('send', { clientMsgId: 'photo-1', to: bobId, body });
    expect(sent.ok, JSON.stringify(sent)).toBe(true);
    // Tagged `sending` before the message was stored, `attached` once the Conversations stream saw it stored.
    await expect.poll(() => tagsOf(grant.attachmentId), { timeout: 30_000 }).toEqual(['attachment=attached', expect.stringMatching(/^message=[0-9a-f]{40}$/)]);

    const pushed = await bob.waitForEvent('message', (item) => item.message?.msgId === sent.data.msgId);
    expect(pushed.data.message.body).toEqual(body);
    const { response, bytes } = await download(bob, sent.data.conversationId, sent.data.conversationSeq);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('content-disposition')).toBe(`inline; filename="photo.png"; filename*=UTF-8''photo.png`);
    expect(sha256(bytes)).toBe(sha256(file.bytes));
    // The sender's other devices (and the sender) may download too.
    expect(sha256((await download(alice, sent.data.conversationId, sent.data.conversationSeq)).bytes)).toBe(sha256(file.bytes));
  });

  it('serves anything but images, video and audio as a download under a sanitized name (HTML never renders)', async () => {
    const [aliceId, bobId] = [unique('alice'), unique('bob')];
    const [alice, bob] = [await connect(aliceId), await connect(bobId)];
    const html = new TextEncoder().encode('<script>alert(document.cookie)</script>');
    const body = await uploadFile(alice, 'file', { name: '../../ré"port.html', contentType: 'text/html', bytes: html });
    const sent = await alice.request('send', { clientMsgId: 'html', to: bobId, body });
    expect(sent.ok, JSON.stringify(sent)).toBe(true);

    const { response, bytes } = await download(bob, sent.data.conversationId, sent.data.conversationSeq);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="r__port.html"; filename*=UTF-8''r%C3%A9%22port.html`);
    expect(sha256(bytes)).toBe(sha256(html));
  });

  it('a recall deletes the object from S3, and the download is then NOT_FOUND', async () => {
    const [aliceId, bobId] = [unique('alice'), unique('bob')];
    const [alice, bob] = [await connect(aliceId), await connect(bobId)];
    const body = await uploadFile(alice, 'image', png());
    const sent = await alice.request('send', { clientMsgId: 'to-recall', to: bobId, body });
    expect(sent.ok, JSON.stringify(sent)).toBe(true);
    const key = { Bucket: bucket, Key: `attachments/${body.attachmentId}` };
    expect((await admin.send(new HeadObjectCommand(key))).ContentLength).toBe(body.size);

    const recalled = await alice.request('recall', { conversationId: sent.data.conversationId, conversationSeq: sent.data.conversationSeq });
    expect(recalled.ok, JSON.stringify(recalled)).toBe(true);
    await expect(admin.send(new HeadObjectCommand(key))).rejects.toMatchObject({ name: 'NotFound' });
    const refused = await bob.request('attachmentDownload', { conversationId: sent.data.conversationId, conversationSeq: sent.data.conversationSeq });
    expect(refused.error).toMatchObject({ code: 'NOT_FOUND', reason: 'noAttachment' });
    // A retried recall (lost reply) finds the object gone and still succeeds.
    expect((await alice.request('recall', { conversationId: sent.data.conversationId, conversationSeq: sent.data.conversationSeq })).ok).toBe(true);
  });

  it('an upload belongs to one message: another message naming it is refused, so a recall never takes another message’s file', async () => {
    const [aliceId, bobId] = [unique('alice'), unique('bob')];
    const alice = await connect(aliceId);
    const body = await uploadFile(alice, 'image', png());
    const first = await alice.request('send', { clientMsgId: 'once', to: bobId, body });
    expect(first.ok, JSON.stringify(first)).toBe(true);
    const before = (await syncAll(alice)).length;
    const second = await alice.request('send', { clientMsgId: 'twice', to: bobId, body });
    expect(second.error).toMatchObject({ code: 'BAD_REQUEST', reason: 'attachmentInUse' });
    expect((await syncAll(alice)).length).toBe(before);
    // A retry of the first send (a lost reply) is the same message, not a second one.
    const retry = await alice.request('send', { clientMsgId: 'once', to: bobId, body });
    expect(retry.ok, JSON.stringify(retry)).toBe(true);
    expect(retry.data.msgId).toBe(first.data.msgId);
  });

  it('refuses outsiders, and answers NOT_FOUND for a message without an attachment', async () => {
    const [aliceId, bobId] = [unique('alice'), unique('bob')];
    const [alice, carol] = [await connect(aliceId), await connect(unique('carol'))];
    const body = await uploadFile(alice, 'image', png());
    const sent = await alice.request('send', { clientMsgId: 'p', to: bobId, body });
    expect(sent.ok).toBe(true);
    const refused = await carol.request('attachmentDownload', { conversationId: sent.data.conversationId, conversationSeq: sent.data.conversationSeq });
    expect(refused.error).toMatchObject({ code: 'FORBIDDEN', reason: 'notMember' });

    const textMessage = await alice.request('send', { clientMsgId: 't', to: bobId, body: { kind: 'text', text: 'hi' } });
    for (const conversationSeq of [textMessage.data.conversationSeq, textMessage.data.conversationSeq + 5]) {
      const answer = await alice.request('attachmentDownload', { conversationId: sent.data.conversationId, conversationSeq });
      expect(answer.error).toMatchObject({ code: 'NOT_FOUND', reason: 'noAttachment' });
    }
  });
});

describe('attachments in groups', () => {
  it('write fan-out group: every member downloads the same bytes; a removed member is refused', async () => {
    const ids = [unique('owner'), unique('m1'), unique('m2')];
    const [owner, m1, m2] = (await Promise.all(ids.map(connect))) as [TestClient, TestClient, TestClient];
    const created = await owner.request('createGroup', { title: 'small', members: ids.slice(1) });
    const conversationId = created.data.conversationId;
    const file = { name: 'clip.mp4', contentType: 'video/mp4', bytes: new Uint8Array(randomBytes(200_000)) };
    const body = { ...(await uploadFile(m1, 'video', file)), durationMs: 3_000 };
    const sent = await m1.request('send', { clientMsgId: 'clip', conversationId, body });
    expect(sent.ok, JSON.stringify(sent)).toBe(true);
    expect(sent.data.seq).not.toBeNull();
    await waitForQueuesIdle(cloud);

    for (const member of [owner, m2]) {
      const received = messagesOf(await syncAll(member)).find((message) => message.msgId === sent.data.msgId);
      expect(received?.body).toEqual(body);
      const { response, bytes } = await download(member, conversationId, received!.conversationSeq);
      expect(response.headers.get('content-disposition')).toMatch(/^inline;/);
      expect(sha256(bytes)).toBe(sha256(file.bytes));
    }

    expect((await owner.request('removeMembers', { conversationId, members: [ids[2]!] })).ok).toBe(true);
    const refused = await m2.request('attachmentDownload', { conversationId, conversationSeq: sent.data.conversationSeq });
    expect(refused.error).toMatchObject({ code: 'FORBIDDEN', reason: 'notMember' });
  });

  it('large group (read fan-out): members catch up and download the same bytes; outsiders are refused', async () => {
    const ids = [...Array(THRESHOLD + 2).keys()].map((index) => unique(`lg${index}`));
    const owner = await connect(ids[0]!);
    const created = await owner.request('createGroup', { title: 'large', members: ids.slice(1) });
    const conversationId = created.data.conversationId;
    const listener = await connect(ids[1]!);
    const file = { name: 'note.ogg', contentType: 'audio/ogg', bytes: new Uint8Array(randomBytes(80_000)) };
    const body = { ...(await uploadFile(owner, 'audio', file)), durationMs: 4_200 };
    const sent = await owner.request('send', { clientMsgId: 'voice', conversationId, body });
    expect(sent.ok, JSON.stringify(sent)).toBe(true);
    expect(sent.data.seq).toBeNull();
    await listener.waitForEvent('groupMessage', (message) => message.msgId === sent.data.msgId);

    const late = await connect(ids.at(-1)!);
    const caughtUp = await late.request('syncConversation', { conversationId, after: 0 });
    const message = caughtUp.data.items.find((item: { msgId: string }) => item.msgId === sent.data.msgId);
    expect(message.body).toEqual(body);
    expect(sha256((await download(late, conversationId, message.conversationSeq)).bytes)).toBe(sha256(file.bytes));

    const outsider = await connect(unique('outsider'));
    expect((await outsider.request('attachmentDownload', { conversationId, conversationSeq: sent.data.conversationSeq })).error).toMatchObject({ code: 'FORBIDDEN', reason: 'notMember' });
  });
});

describe('what S3 refuses and what send refuses (nothing is stored)', () => {
  it('S3 takes only the size and type the URL was made for, once', async () => {
    const alice = await connect(unique('alice'));
    const file = png(10_000);
    const grant = await askUpload(alice, { name: file.name, contentType: file.contentType, size: file.bytes.length });

    const longer = await putBytes(grant, new Uint8Array(randomBytes(10_001)));
    expect([longer.status, await s3ErrorCode(longer)]).toEqual([403, 'SignatureDoesNotMatch']);
    const otherType = await putBytes(grant, file.bytes, { 'content-type': 'text/html' });
    expect([otherType.status, await s3ErrorCode(otherType)]).toEqual([403, 'SignatureDoesNotMatch']);
    const untagged = await fetch(grant.upload.url, { method: 'PUT', body: file.bytes, headers: { 'content-type': file.contentType } });
    expect(untagged.status).toBe(403);
    await expect(admin.send(new HeadObjectCommand({ Bucket: bucket, Key: `attachments/${grant.attachmentId}` }))).rejects.toMatchObject({ name: 'NotFound' });

    expect((await putBytes(grant, file.bytes)).status).toBe(200);
    // Written once: nobody swaps the bytes after the fact (a retry after a lost answer sees 412: it arrived).
    const swap = await putBytes(grant, new Uint8Array(randomBytes(10_000)));
    expect([swap.status, await s3ErrorCode(swap)]).toEqual([412, 'PreconditionFailed']);
  });

  it('an expired upload URL is refused, and a send naming it stores nothing', async () => {
    const [aliceId, bobId] = [unique('alice'), unique('bob')];
    const alice = await connect(aliceId);
    const file = png(5_000);
    const grant = await askUpload(alice, { name: file.name, contentType: file.contentType, size: file.bytes.length });
    s3ClockOffsetMs = 16 * 60_000;
    let expired: Response;
    try {
      expired = await putBytes(grant, file.bytes);
    } finally {
      s3ClockOffsetMs = 0;
    }
    expect([expired.status, await s3ErrorCode(expired)]).toEqual([403, 'AccessDenied']);

    const body = { kind: 'image', attachmentId: grant.attachmentId, name: file.name, size: file.bytes.length, contentType: file.contentType };
    const refused = await alice.request('send', { clientMsgId: 'late', to: bobId, body });
    expect(refused.error).toMatchObject({ code: 'BAD_REQUEST', reason: 'attachmentNotUploaded' });
    await expectNothingStored(alice, `dm:${[aliceId, bobId].sort().join(':')}`, 0);
  });

  it('refuses someone else’s attachment, a size or type mismatch and an unknown id; the clientMsgId stays free', async () => {
    const [aliceId, bobId] = [unique('alice'), unique('bob')];
    const [alice, bob] = [await connect(aliceId), await connect(bobId)];
    const conversationId = `dm:${[aliceId, bobId].sort().join(':')}`;
    const bobs = await uploadFile(bob, 'image', png(2_000));
    const mine = await uploadFile(alice, 'image', png(3_000));

    const attempts: [object, string, string][] = [
      [bobs, 'FORBIDDEN', 'notUploader'],
      [{ ...mine, size: mine.size - 1 }, 'BAD_REQUEST', 'attachmentMismatch'],
      [{ ...mine, contentType: 'image/jpeg' }, 'BAD_REQUEST', 'attachmentMismatch'],
      [{ ...mine, kind: 'file', contentType: 'application/pdf' }, 'BAD_REQUEST', 'attachmentMismatch'],
      [{ ...mine, attachmentId: 'x'.repeat(26) }, 'BAD_REQUEST', 'attachmentNotUploaded'],
    ];
    for (const [body, code, reason] of attempts) {
      const refused = await alice.request('send', { clientMsgId: 'same', to: bobId, body });
      expect(refused.error, JSON.stringify(body)).toMatchObject({ code, reason });
    }
    await expectNothingStored(alice, conversationId, 0);
    expect(await tagsOf(bobs.attachmentId)).toEqual(['attachment=pending']);

    // The same clientMsgId with the right body goes through: nothing was claimed by the refusals.
    const sent = await alice.request('send', { clientMsgId: 'same', to: bobId, body: mine });
    expect(sent.ok, JSON.stringify(sent)).toBe(true);
    expect(sent.data.conversationSeq).toBe(1);
  });

  it('two messages naming one upload at once: exactly one gets it, the other is refused and stores nothing', async () => {
    const [aliceId, bobId] = [unique('alice'), unique('bob')];
    const alice = await connect(aliceId);
    const body = await uploadFile(alice, 'image', png(4_000));
    const replies = await Promise.all(['left', 'right'].map((clientMsgId) => alice.request('send', { clientMsgId, to: bobId, body })));
    expect(replies.filter((reply) => reply.ok)).toHaveLength(1);
    expect(replies.find((reply) => !reply.ok)!.error).toMatchObject({ code: 'BAD_REQUEST', reason: 'attachmentInUse' });
    const history = await alice.request('history', { conversationId: replies.find((reply) => reply.ok)!.data.conversationId });
    expect(history.data.items).toHaveLength(1);
  });

  it('a send that dies after taking the upload leaves it `sending` (the lifecycle rule’s), and its retry stores the message and attaches it', async () => {
    const [aliceId, bobId] = [unique('alice'), unique('bob')];
    const alice = await connect(aliceId);
    const file = png(4_000);
    const body = await uploadFile(alice, 'image', file);
    cloud.lambda.faults.inject({ functionName: 'SendHandler', step: 'send:attached', action: 'crash', times: 1 });
    // A crashed function answers no reply frame, only the gateway's error message.
    expect(await requestOnce(alice, 'send', { clientMsgId: 'dies', to: bobId, body })).toBe('crashed');
    expect(cloud.lambda.faults.fired.map((fault) => fault.step)).toContain('send:attached');
    await cloud.streams.drained({ ignore: ['DeliveryRepair'] });
    // No message was stored, so nothing confirms the upload: the week-long rule for unsent uploads deletes it.
    expect(await tagsOf(body.attachmentId)).toEqual(['attachment=sending', expect.stringMatching(/^message=/)]);
    await expectNothingStored(alice, `dm:${[aliceId, bobId].sort().join(':')}`, 0);

    const retried = await alice.request('send', { clientMsgId: 'dies', to: bobId, body });
    expect(retried.ok, JSON.stringify(retried)).toBe(true);
    await expect.poll(() => tagsOf(body.attachmentId), { timeout: 30_000 }).toEqual(['attachment=attached', expect.stringMatching(/^message=/)]);
    const bob = await connect(bobId);
    expect(sha256((await download(bob, retried.data.conversationId, retried.data.conversationSeq)).bytes)).toBe(sha256(file.bytes));
  });

  it('the same attachment send twice at once is one message', async () => {
    const [aliceId, bobId] = [unique('alice'), unique('bob')];
    const alice = await connect(aliceId);
    const body = await uploadFile(alice, 'image', png(4_000));
    const [first, second] = await Promise.all([0, 1].map(() => alice.request('send', { clientMsgId: 'twice', to: bobId, body })));
    const okOnes = [first!, second!].filter((reply) => reply.ok);
    expect(okOnes.length).toBeGreaterThanOrEqual(1);
    for (const reply of [first!, second!]) if (!reply.ok) expect(reply.error).toMatchObject({ code: 'CONFLICT', reason: 'inProgress' });
    expect(new Set(okOnes.map((reply) => reply.data.msgId)).size).toBe(1);
    const history = await alice.request('history', { conversationId: okOnes[0]!.data.conversationId });
    expect(history.data.items).toHaveLength(1);
  });
});

describe('attachmentUpload limits', () => {
  it('refuses files over maxAttachmentMB and types outside the list', async () => {
    const alice = await connect(unique('alice'));
    expect((await alice.request('attachmentUpload', { name: 'big.png', contentType: 'image/png', size: MAX_BYTES + 1 })).error).toMatchObject({ code: 'TOO_LARGE', reason: 'attachmentTooLarge' });
    expect((await alice.request('attachmentUpload', { name: 'a.png', contentType: 'image/png', size: MAX_BYTES })).ok).toBe(true);
    expect((await alice.request('attachmentUpload', { name: 'x.exe', contentType: 'application/x-msdownload', size: 10 })).error).toMatchObject({ code: 'BAD_REQUEST', reason: 'contentTypeNotAllowed' });
    expect((await alice.request('attachmentUpload', { name: 'x.png', contentType: 'image/png', size: 0 })).error).toMatchObject({ code: 'BAD_REQUEST', reason: 'invalidField' });
  });

  it('counts the daily quota in one conditional write: concurrent requests never overspend it', async () => {
    const alice = await connect(unique('alice'));
    const asks = await Promise.all([...Array(4).keys()].map(() => alice.request('attachmentUpload', { name: 'a.png', contentType: 'image/png', size: MAX_BYTES })));
    expect(asks.filter((reply) => reply.ok)).toHaveLength(QUOTA_BYTES / MAX_BYTES);
    const refused = asks.find((reply) => !reply.ok)!;
    expect(refused.error).toMatchObject({ code: 'RATE_LIMITED', reason: 'uploadQuota' });
    expect(refused.error!.retryAfterMs).toBeGreaterThan(0);
    expect(refused.error!.retryAfterMs).toBeLessThanOrEqual(86_400_000);
    // Another user has a quota of their own.
    expect((await (await connect(unique('bob'))).request('attachmentUpload', { name: 'a.png', contentType: 'image/png', size: MAX_BYTES })).ok).toBe(true);
  });
});

describe('the SDK: sendAttachment and downloadUrl against the local cloud', () => {
  const sdk = (userId: string) => {
    const client = new ImClient({ url: cloud.url, userId, token: () => cloud.devToken(userId), WebSocket, network: false, autoLoadConversations: false });
    const messages: MessageItem[] = [];
    client.on('message', (item) => messages.push(item));
    return { client, messages };
  };

  it('uploads through the presigned URL and the recipient downloads the same bytes', async () => {
    const [aliceId, bobId] = [unique('alice'), unique('bob')];
    const alice = sdk(aliceId);
    const bob = sdk(bobId);
    const progress: number[] = [];
    alice.client.on('uploadProgress', (event) => progress.push(event.loaded));
    await Promise.all([alice.client.start(), bob.client.start()]);
    try {
      const bytes = new Uint8Array(randomBytes(120_000));
      const reply = await alice.client.sendAttachment(bobId, new Blob([bytes], { type: 'application/pdf' }), { name: 'contract.pdf', caption: 'sign here' });
      expect(progress.at(-1)).toBe(bytes.length);
      await expect.poll(() => bob.messages.some((item) => item.message.msgId === reply.msgId)).toBe(true);
      const received = bob.messages.find((item) => item.message.msgId === reply.msgId)!.message;
      expect(received.body).toMatchObject({ kind: 'file', name: 'contract.pdf', size: bytes.length, contentType: 'application/pdf', caption: 'sign here' });

      const response = await fetch(await bob.client.downloadUrl(received));
      expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="contract.pdf"/);
      expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(bytes));

      // A type the deployment refuses fails before any upload, and leaves a failed entry.
      await expect(alice.client.sendAttachment(bobId, new Uint8Array(10), { contentType: 'application/x-msdownload' })).rejects.toMatchObject({ code: 'BAD_REQUEST', reason: 'contentTypeNotAllowed' });
      expect(alice.client.uploads).toEqual([expect.objectContaining({ status: 'failed' })]);
    } finally {
      await Promise.all([alice.client.stop(), bob.client.stop()]);
    }
  });
});
