import { type AttachmentKind, attachmentKindOf } from '@serverless-im/protocol';
import { Backoff, type BackoffOptions } from './backoff.js';
import { ImError } from './errors.js';
import type { SendInput } from './outbox.js';
import type { ActionMap, Body, Message, SendResult } from './protocol.js';
import type { Sleeper } from './timers.js';
import type { UploadTransport } from './upload-transport.js';

/** What `sendAttachment` uploads: a File or Blob (browsers), or bytes. */
export type AttachmentData = Blob | ArrayBuffer | Uint8Array;

/** Where an attachment goes: a conversation id (`dm:…`, `g:…`), a user id (direct), or either spelled out. */
export type AttachmentDestination = string | { to: string } | { conversationId: string };

export interface SendAttachmentOptions {
  caption?: string;
  /** Default: the File's name, else `file`. */
  name?: string;
  /** Default: the Blob's type; bytes need one (else `application/octet-stream`, which servers refuse by default). */
  contentType?: string;
  /** Default: from the content type (`image/*` → image, `video/*` → video, `audio/*` → audio, else file). */
  kind?: AttachmentKind;
  width?: number;
  height?: number;
  durationMs?: number;
  /** A small `data:image/(jpeg|png|webp);base64,…` preview (at most 8 KB) the app made. */
  thumbnail?: string;
  clientMsgId?: string;
}

/**
 * An attachment message on its way: `uploading` (bytes to S3, `loaded` of `total`), `sending`
 * (through the outbox), or `failed` (nothing was sent: `retryAttachment` or `discardAttachment`).
 * Never a message without its bytes: the message is sent only once the upload finished.
 */
export interface UploadEntry {
  clientMsgId: string;
  destination: { to: string } | { conversationId: string };
  kind: AttachmentKind;
  name: string;
  contentType: string;
  size: number;
  caption?: string;
  status: 'uploading' | 'sending' | 'failed';
  loaded: number;
  total: number;
  attempts: number;
  error?: { code: string; message: string; reason?: string };
}

export interface UploadRetryOptions extends BackoffOptions {
  /** Upload attempts (asking for a URL included) before the message fails. Default 5. */
  maxAttempts: number;
  /** Bound on one upload, ms. Default 10 minutes (a URL lives 15). */
  timeoutMs: number;
}

export interface AttachmentSenderDeps {
  request<A extends 'attachmentUpload' | 'attachmentDownload'>(action: A, params: ActionMap[A]['params']): Promise<ActionMap[A]['result']>;
  send(input: SendInput): Promise<SendResult>;
  transport: UploadTransport;
  sleeper: Sleeper;
  random: () => number;
  now(): number;
  retry: UploadRetryOptions;
  newClientMsgId(): string;
  changed(entries: UploadEntry[]): void;
  progress(entry: { clientMsgId: string; loaded: number; total: number }): void;
}

interface Pending {
  entry: UploadEntry;
  data: unknown;
  body: Omit<Extract<Body, { attachmentId: string }>, 'attachmentId'>;
  grant?: ActionMap['attachmentUpload']['result'];
  uploaded?: string;
}

/** Codes after which asking for an upload URL is tried again. */
const RETRYABLE = new Set(['TIMEOUT', 'DISCONNECTED', 'INTERNAL']);
/** A download URL handed out is reused until this close to its expiry. */
const URL_MARGIN_MS = 60_000;

const destinationOf = (destination: AttachmentDestination): { to: string } | { conversationId: string } =>
  typeof destination === 'string' ? (destination.includes(':') ? { conversationId: destination } : { to: destination }) : destination;

function sizeAndBytes(data: AttachmentData): { size: number; payload: unknown; name?: string; type?: string } {
  if (data instanceof Uint8Array) return { size: data.byteLength, payload: data };
  if (data instanceof ArrayBuffer) return { size: data.byteLength, payload: new Uint8Array(data) };
  const blob = data as Blob & { name?: string };
  return { size: blob.size, payload: blob, ...(blob.name ? { name: blob.name } : {}), ...(blob.type ? { type: blob.type.toLowerCase() } : {}) };
}

/**
 * Photos, videos, voice notes and files: asks the server where to upload, uploads straight to S3
 * (progress events, retries with backoff, a fresh URL when one expired), then sends the message
 * through the outbox. Uploads are held in memory (bytes cannot be persisted in general): an
 * upload interrupted by a reload is gone, never half-sent.
 */
export class AttachmentSender {
  private readonly pending = new Map<string, Pending>();
  private readonly downloads = new Map<string, { url: string; expiresAt: number }>();

  constructor(private readonly deps: AttachmentSenderDeps) {}

  list(): UploadEntry[] {
    return [...this.pending.values()].map(({ entry }) => ({ ...entry }));
  }

  send(destination: AttachmentDestination, data: AttachmentData, options: SendAttachmentOptions = {}): Promise<SendResult> {
    const { size, payload, name, type } = sizeAndBytes(data);
    const contentType = options.contentType ?? type ?? 'application/octet-stream';
    const kind = options.kind ?? attachmentKindOf(contentType);
    const clientMsgId = options.clientMsgId ?? this.deps.newClientMsgId();
    if (this.pending.has(clientMsgId)) return Promise.reject(new ImError('CONFLICT', `sendAttachment: ${clientMsgId} is already on its way`, { action: 'send' }));
    const fileName = options.name ?? name ?? 'file';
    const body = {
      kind,
      name: fileName,
      size,
      contentType,
      ...(options.width !== undefined ? { width: options.width } : {}),
      ...(options.height !== undefined ? { height: options.height } : {}),
      ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
      ...(options.thumbnail !== undefined ? { thumbnail: options.thumbnail } : {}),
      ...(options.caption !== undefined ? { caption: options.caption } : {}),
    } as Pending['body'];
    const entry: UploadEntry = {
      clientMsgId,
      destination: destinationOf(destination),
      kind,
      name: fileName,
      contentType,
      size,
      ...(options.caption !== undefined ? { caption: options.caption } : {}),
      status: 'uploading',
      loaded: 0,
      total: size,
      attempts: 0,
    };
    this.pending.set(clientMsgId, { entry, data: payload, body });
    this.changed();
    return this.run(clientMsgId);
  }

  /** Tries a failed attachment again (the same message: same clientMsgId). */
  retry(clientMsgId: string): Promise<SendResult> {
    const pending = this.pending.get(clientMsgId);
    if (!pending || pending.entry.status !== 'failed') return Promise.reject(new ImError('NOT_FOUND', `no failed attachment ${clientMsgId}`, { action: 'send' }));
    pending.entry.status = pending.uploaded ? 'sending' : 'uploading';
    pending.entry.attempts = 0;
    delete pending.entry.error;
    this.changed();
    return this.run(clientMsgId);
  }

  /** Forgets a failed attachment. */
  discard(clientMsgId: string): boolean {
    const pending = this.pending.get(clientMsgId);
    if (!pending || pending.entry.status !== 'failed') return false;
    this.pending.delete(clientMsgId);
    this.changed();
    return true;
  }

  /** A URL to fetch the attachment of `message` (cached until shortly before it expires). */
  async downloadUrl(message: Pick<Message, 'conversationId' | 'conversationSeq' | 'body'>): Promise<string> {
    if (!message.body || !('attachmentId' in message.body)) throw new ImError('BAD_REQUEST', 'downloadUrl: this message has no attachment', { action: 'attachmentDownload' });
    const key = `${message.conversationId}#${message.conversationSeq}`;
    const cached = this.downloads.get(key);
    if (cached && cached.expiresAt - this.deps.now() > URL_MARGIN_MS) return cached.url;
    const granted = await this.deps.request('attachmentDownload', { conversationId: message.conversationId, conversationSeq: message.conversationSeq });
    this.downloads.set(key, granted);
    return granted.url;
  }

  private async run(clientMsgId: string): Promise<SendResult> {
    const pending = this.pending.get(clientMsgId)!;
    try {
      const attachmentId = pending.uploaded ?? (await this.upload(pending));
      pending.uploaded = attachmentId;
      this.setStatus(pending, 'sending');
      const { destination } = pending.entry;
      const reply = await this.deps.send({ ...destination, clientMsgId, body: { ...pending.body, attachmentId } as Body });
      this.pending.delete(clientMsgId);
      this.changed();
      return reply;
    } catch (caught) {
      const error = caught instanceof ImError ? caught : new ImError('INTERNAL', String((caught as Error)?.message ?? caught), { action: 'attachmentUpload', cause: caught });
      if (pending.entry.status === 'sending' && error.code === 'DISCONNECTED') {
        // The client stopped: the message stays in the (persisted) outbox and goes out on the next start.
        this.pending.delete(clientMsgId);
        this.changed();
        throw error;
      }
      // The upload or the send failed for good: the app decides. A failed send of an uploaded
      // file keeps the upload, so a retry only sends again.
      if (this.pending.get(clientMsgId) === pending) {
        pending.entry.error = { code: error.code, message: error.message, ...(error.reason ? { reason: error.reason } : {}) };
        this.setStatus(pending, 'failed');
      }
      throw error;
    }
  }

  /** Asks for a URL and uploads, retrying transient failures; resolves with the attachment id once S3 holds the bytes. */
  private async upload(pending: Pending): Promise<string> {
    const backoff = new Backoff(this.deps.retry, this.deps.random);
    const { entry } = pending;
    let lastError: ImError | undefined;
    while (entry.attempts < this.deps.retry.maxAttempts) {
      if (entry.attempts > 0) await this.deps.sleeper.sleep(Math.max(backoff.next(), lastError?.retryAfterMs ?? 0));
      entry.attempts++;
      if (!pending.grant || pending.grant.expiresAt - this.deps.now() < URL_MARGIN_MS) {
        try {
          pending.grant = await this.deps.request('attachmentUpload', { name: entry.name, contentType: entry.contentType, size: entry.size });
        } catch (caught) {
          if (caught instanceof ImError && RETRYABLE.has(caught.code)) {
            lastError = caught;
            continue;
          }
          throw caught;
        }
      }
      const grant = pending.grant;
      let response;
      try {
        response = await this.deps.transport({
          method: grant.upload.method,
          url: grant.upload.url,
          headers: grant.upload.headers ?? {},
          fields: grant.upload.fields ?? {},
          data: pending.data,
          contentType: entry.contentType,
          fileName: entry.name,
          timeoutMs: this.deps.retry.timeoutMs,
          onProgress: (loaded) => this.onProgress(pending, loaded),
        });
      } catch (caught) {
        lastError = new ImError('DISCONNECTED', `upload failed: ${String((caught as Error)?.message ?? caught)}`, { action: 'attachmentUpload', cause: caught });
        continue;
      }
      // 412: the URL is write-once and an earlier attempt (whose answer was lost) already arrived.
      if ((response.status >= 200 && response.status < 300) || response.status === 412) {
        this.onProgress(pending, entry.size);
        return grant.attachmentId;
      }
      const code = /<Code>([^<]*)<\/Code>/.exec(response.body)?.[1];
      if (response.status === 403 && code === 'AccessDenied') {
        // Most likely expired (a slow or paused upload): ask for a fresh URL.
        delete pending.grant;
        lastError = new ImError('INTERNAL', 'the upload URL expired', { action: 'attachmentUpload', reason: 'urlExpired' });
        continue;
      }
      if (response.status >= 500 || response.status === 429 || response.status === 408) {
        lastError = new ImError('INTERNAL', `S3 answered ${response.status}`, { action: 'attachmentUpload' });
        continue;
      }
      throw new ImError('BAD_REQUEST', `S3 refused the upload: ${response.status} ${code ?? ''}`.trim(), { action: 'attachmentUpload', reason: 'uploadRefused', ...(code ? { serverCode: code } : {}) });
    }
    throw lastError ?? new ImError('INTERNAL', 'upload failed', { action: 'attachmentUpload' });
  }

  private onProgress(pending: Pending, loaded: number): void {
    const { entry } = pending;
    entry.loaded = Math.min(entry.size, Math.max(0, loaded));
    this.deps.progress({ clientMsgId: entry.clientMsgId, loaded: entry.loaded, total: entry.total });
  }

  private setStatus(pending: Pending, status: UploadEntry['status']): void {
    pending.entry.status = status;
    this.changed();
  }

  private changed(): void {
    this.deps.changed(this.list());
  }
}
