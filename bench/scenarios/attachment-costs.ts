import { randomBytes } from 'node:crypto';
import { PRICES } from '../prices.js';
import type { BenchCloud, Delta } from '../support.js';
import { round } from '../support.js';
import { averageCost, type OperationCost } from './measure.js';

/** What one attachment message costs: the actions around it, and S3's requests and storage. */
export interface AttachmentCost {
  /** The WebSocket side (attachmentUpload, send, attachmentDownload): DynamoDB, Lambda, frames. */
  cost: OperationCost;
  /** Bytes of the file each sample sent. */
  bytes: number;
  /** S3 requests per message, by operation, as the local S3 answered them. */
  s3Requests: Record<string, number>;
  /** Dollars per message: S3 requests (PUT class / GET class) and the rest. */
  dollars: { s3Put: number; s3Get: number; storagePerGbMonth: number; transferOutPerDownload: number };
}

const PUT_CLASS = new Set(['PutObject', 'PostObject', 'PutObjectTagging', 'CopyObject', 'ListObjectsV2', 'ListObjects']);

/**
 * A direct attachment message end to end, as a phone does it: `attachmentUpload`, the PUT to
 * the presigned URL, `send`, then the recipient's `attachmentDownload` and GET. One download per
 * message (each further device or re-download adds one `attachmentDownload` and one GET).
 */
export async function measureAttachmentMessage(bench: BenchCloud, samples = 5, bytes = 1024 * 1024): Promise<AttachmentCost> {
  const prefix = `att${process.pid}`;
  const alice = await bench.connect(`${prefix}-alice`);
  const bob = await bench.connect(`${prefix}-bob`);
  const s3 = bench.cloud.s3.requestCounts;
  const deltas: Delta[] = [];
  const requests: Record<string, number> = {};
  try {
    for (let i = 0; i < samples; i++) {
      const file = randomBytes(bytes);
      const s3Before = { ...s3 };
      const before = bench.snapshot();
      const grant = await must(alice, 'attachmentUpload', { name: `photo-${i}.jpg`, contentType: 'image/jpeg', size: file.length });
      const put = await fetch(grant.upload.url, { method: 'PUT', body: file, headers: grant.upload.headers });
      if (put.status !== 200) throw new Error(`upload failed: ${put.status}`);
      const body = { kind: 'image', attachmentId: grant.attachmentId, name: `photo-${i}.jpg`, size: file.length, contentType: 'image/jpeg' };
      const sent = await must(alice, 'send', { clientMsgId: `${prefix}-${i}`, to: `${prefix}-bob`, body });
      await bob.waitForEvent('message', (item) => item.message?.msgId === sent.msgId);
      const link = await must(bob, 'attachmentDownload', { conversationId: sent.conversationId, conversationSeq: sent.conversationSeq });
      const got = await fetch(link.url);
      if ((await got.arrayBuffer()).byteLength !== file.length) throw new Error('download differs');
      deltas.push(bench.since(before));
      for (const [operation, count] of Object.entries(s3)) requests[operation] = (requests[operation] ?? 0) + count - (s3Before[operation] ?? 0);
    }
  } finally {
    await Promise.all([alice.close(), bob.close()]);
  }
  const perMessage = Object.fromEntries(Object.entries(requests).map(([operation, count]) => [operation, round(count / samples, 3)]));
  const p = PRICES.aws.s3;
  const putRequests = Object.entries(perMessage).filter(([operation]) => PUT_CLASS.has(operation)).reduce((sum, [, count]) => sum + count, 0);
  const getRequests = Object.entries(perMessage).filter(([operation]) => !PUT_CLASS.has(operation)).reduce((sum, [, count]) => sum + count, 0);
  const gb = bytes / 1024 ** 3;
  return {
    cost: averageCost('attachment message (1 MB photo, direct, one download)', bench, deltas),
    bytes,
    s3Requests: perMessage,
    dollars: {
      s3Put: (putRequests * p.perThousandPutRequests) / 1000,
      s3Get: (getRequests * p.perThousandGetRequests) / 1000,
      storagePerGbMonth: gb * p.perGbMonth,
      transferOutPerDownload: gb * p.transferOutPerGb,
    },
  };
}

async function must(client: Awaited<ReturnType<BenchCloud['connect']>>, action: string, params: Record<string, unknown>): Promise<any> {
  const reply = await client.request(action, params, 60_000);
  if (!reply.ok) throw new Error(`${action} failed: ${JSON.stringify(reply.error)}`);
  return reply.data;
}
