import { host } from './host.js';

/** One HTTP upload to S3, as `attachmentUpload` described it. */
export interface UploadRequest {
  method: 'PUT' | 'POST';
  url: string;
  headers: Record<string, string>;
  /** POST: the form fields that go before the file. */
  fields: Record<string, string>;
  /** The bytes: a Blob (a File) or a Uint8Array. */
  data: unknown;
  contentType: string;
  fileName: string;
  /** Bytes sent so far. */
  onProgress(loaded: number): void;
  /** Bound on the whole upload, ms. */
  timeoutMs: number;
}

/** What came back; a network failure rejects instead. */
export interface UploadResponse {
  status: number;
  body: string;
}

/** Sends one upload. Replaceable (options.uploadTransport): React Native background uploads, tests. */
export type UploadTransport = (request: UploadRequest) => Promise<UploadResponse>;

function bodyOf(request: UploadRequest): unknown {
  if (request.method === 'PUT') return request.data;
  const FormData = host().FormData;
  if (!FormData) throw new Error('no FormData in this environment: pass options.uploadTransport');
  const form = new FormData();
  for (const [name, value] of Object.entries(request.fields)) form.append(name, value);
  const Blob = host().Blob;
  const file = Blob && !(request.data instanceof (Blob as unknown as typeof globalThis.Blob)) ? new Blob([request.data], { type: request.contentType }) : request.data;
  // S3 takes the file from the last field, named `file`.
  form.append('file', file, request.fileName);
  return form;
}

/**
 * The default transport: XMLHttpRequest where the host has it (browsers, React Native), which
 * reports upload progress; otherwise fetch (Node), which reports only the start and the end.
 */
export const defaultUploadTransport: UploadTransport = (request) => {
  const XHR = host().XMLHttpRequest;
  if (XHR) {
    return new Promise((resolve, reject) => {
      const xhr = new XHR();
      xhr.open(request.method, request.url);
      for (const [name, value] of Object.entries(request.headers)) xhr.setRequestHeader(name, value);
      xhr.timeout = request.timeoutMs;
      if (xhr.upload) xhr.upload.onprogress = (event) => request.onProgress(event.loaded);
      xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText });
      xhr.onerror = () => reject(new Error('upload failed: network error'));
      xhr.ontimeout = () => reject(new Error('upload failed: timed out'));
      xhr.onabort = () => reject(new Error('upload aborted'));
      xhr.send(bodyOf(request));
    });
  }
  const fetch = host().fetch;
  if (!fetch) return Promise.reject(new Error('no XMLHttpRequest or fetch in this environment: pass options.uploadTransport'));
  request.onProgress(0);
  return fetch(request.url, { method: request.method, headers: request.headers, body: bodyOf(request) }).then(async (response) => ({
    status: response.status,
    body: await response.text(),
  }));
};
