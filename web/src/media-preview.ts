import type { SendAttachmentOptions } from '../../client/src/index.js';

/** The largest thumbnail the protocol takes (a data URI of at most 8 KB). */
const MAX_THUMBNAIL_CHARS = 8 * 1024;

/**
 * What the page works out of a picked file before sending it: an image's or a video's size and a
 * small JPEG thumbnail (drawn on a canvas, so it is made on this device and shown at once by the
 * recipient, before the full file is fetched), a video's or a voice note's duration. Anything that
 * fails (an image the browser cannot decode) just leaves the field out.
 */
export async function describeFile(file: File): Promise<Pick<SendAttachmentOptions, 'width' | 'height' | 'durationMs' | 'thumbnail'>> {
  try {
    if (file.type.startsWith('image/') && file.type !== 'image/svg+xml') {
      const bitmap = await createImageBitmap(file);
      const described = { width: bitmap.width, height: bitmap.height, ...thumbnailOf(bitmap, bitmap.width, bitmap.height) };
      bitmap.close();
      return described;
    }
    if (file.type.startsWith('video/') || file.type.startsWith('audio/')) return await mediaFacts(file);
  } catch {
    // Sent without the extras.
  }
  return {};
}

function thumbnailOf(source: CanvasImageSource, width: number, height: number): { thumbnail?: string } {
  for (const edge of [96, 64, 40]) {
    const scale = Math.min(1, edge / Math.max(width, height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    canvas.getContext('2d')?.drawImage(source, 0, 0, canvas.width, canvas.height);
    const uri = canvas.toDataURL('image/jpeg', 0.6);
    if (uri.startsWith('data:image/jpeg;base64,') && uri.length <= MAX_THUMBNAIL_CHARS) return { thumbnail: uri };
  }
  return {};
}

function mediaFacts(file: File): Promise<Pick<SendAttachmentOptions, 'width' | 'height' | 'durationMs' | 'thumbnail'>> {
  const url = URL.createObjectURL(file);
  const element = document.createElement(file.type.startsWith('video/') ? 'video' : 'audio');
  element.preload = 'metadata';
  element.muted = true;
  return new Promise<Pick<SendAttachmentOptions, 'width' | 'height' | 'durationMs' | 'thumbnail'>>((resolve) => {
    const done = (facts: Pick<SendAttachmentOptions, 'width' | 'height' | 'durationMs' | 'thumbnail'>) => {
      URL.revokeObjectURL(url);
      resolve(facts);
    };
    element.onerror = () => done({});
    element.onloadedmetadata = () => {
      const durationMs = Number.isFinite(element.duration) ? Math.round(element.duration * 1000) : undefined;
      if (!(element instanceof HTMLVideoElement) || !element.videoWidth) return done(durationMs === undefined ? {} : { durationMs });
      const size = { width: element.videoWidth, height: element.videoHeight, ...(durationMs === undefined ? {} : { durationMs }) };
      element.onseeked = () => done({ ...size, ...thumbnailOf(element, element.videoWidth, element.videoHeight) });
      element.currentTime = Math.min(0.1, element.duration / 2 || 0);
    };
    element.src = url;
  });
}
