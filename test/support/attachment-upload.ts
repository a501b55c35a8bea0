import { createHash } from 'node:crypto';
import type { TestClient } from './ws-client.js';

export const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

export interface UploadGrant {
  attachmentId: string;
  upload: { method: 'PUT' | 'POST'; url: string; headers?: Record<string, string>; fields?: Record<string, string> };
  expiresAt: number;
}

/** Asks for an upload URL; fails the test on a refusal. */
export async function askUpload(client: TestClient, file: { name: string; contentType: string; size: number }): Promise<UploadGrant> {
  const reply = await client.request('attachmentUpload', file);
  if (!reply.ok) throw new Error(`attachmentUpload refused: ${JSON.stringify(reply.error)}`);
  return reply.data as UploadGrant;
}

/** Uploads bytes the way a device does: straight to S3, with the headers the grant names. */
export function putBytes(grant: UploadGrant, bytes: Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(grant.upload.url, { method: 'PUT', body: bytes, headers: { ...grant.upload.headers, ...headers } });
}

/** attachmentUpload then the PUT; the body to send with it. */
export async function uploadFile(client: TestClient, kind: 'image' | 'video' | 'audio' | 'file', file: { name: string; contentType: string; bytes: Uint8Array }) {
  const grant = await askUpload(client, { name: file.name, contentType: file.contentType, size: file.bytes.length });
  const response = await putBytes(grant, file.bytes);
  if (response.status !== 200) throw new Error(`upload failed: ${response.status} ${await response.text()}`);
  return { kind, attachmentId: grant.attachmentId, name: file.name, size: file.bytes.length, contentType: file.contentType };
}

/** Asks for a download URL of a message and fetches it. */
export async function download(client: TestClient, conversationId: string, conversationSeq: number): Promise<{ response: Response; bytes: Uint8Array }> {
  const reply = await client.request('attachmentDownload', { conversationId, conversationSeq });
  if (!reply.ok) throw new Error(`attachmentDownload refused: ${JSON.stringify(reply.error)}`);
  const response = await fetch(reply.data.url);
  return { response, bytes: new Uint8Array(await response.arrayBuffer()) };
}

/** S3's XML error code. */
export const s3ErrorCode = async (response: Response): Promise<string | undefined> => /<Code>([^<]*)<\/Code>/.exec(await response.text())?.[1];
