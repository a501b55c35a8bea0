import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ChecksumAlgorithm } from './checksums.js';

/**
 * The objects of the local buckets: in memory, or in a folder (`--data-dir`) so uploads survive a
 * restart the way the DynamoDB data does. One version per key (buckets are unversioned).
 */

/** The headers S3 stores with an object and answers GetObject with. */
export interface StoredHeaders {
  contentType: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  expires?: string;
}

export interface ObjectMetadata {
  key: string;
  size: number;
  /** `"<md5 hex>"`, quotes included, as S3 sends it. */
  etag: string;
  lastModified: string;
  headers: StoredHeaders;
  /** `x-amz-meta-*` values, by the lower-case name after the prefix. */
  userMetadata: Record<string, string>;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
  tags: [string, string][];
}

export interface StoredObject extends ObjectMetadata {
  body(): Buffer;
}

export interface ListPage {
  objects: ObjectMetadata[];
  commonPrefixes: string[];
  truncated: boolean;
  /** The last key (or common prefix) of this page, where the next one starts after. */
  lastKey?: string;
}

const fileNameOf = (key: string): string => createHash('sha256').update(key).digest('hex');

export class ObjectStore {
  private readonly buckets = new Map<string, Map<string, { metadata: ObjectMetadata; body?: Buffer }>>();

  /** `directory`: keep objects on disk there (one folder per bucket); memory only when undefined. */
  constructor(private readonly directory?: string) {}

  /** Makes the bucket exist, loading what an earlier run left on disk. */
  createBucket(name: string): void {
    if (this.buckets.has(name)) return;
    const objects = new Map<string, { metadata: ObjectMetadata; body?: Buffer }>();
    this.buckets.set(name, objects);
    if (!this.directory) return;
    const folder = path.join(this.directory, name);
    mkdirSync(folder, { recursive: true });
    for (const file of readdirSync(folder).filter((entry) => entry.endsWith('.json'))) {
      const metadata = JSON.parse(readFileSync(path.join(folder, file), 'utf8')) as ObjectMetadata;
      objects.set(metadata.key, { metadata });
    }
  }

  hasBucket(name: string): boolean {
    return this.buckets.has(name);
  }

  bucketNames(): string[] {
    return [...this.buckets.keys()];
  }

  private objectsOf(bucket: string): Map<string, { metadata: ObjectMetadata; body?: Buffer }> {
    const objects = this.buckets.get(bucket);
    if (!objects) throw new Error(`no bucket ${bucket}`);
    return objects;
  }

  put(bucket: string, metadata: ObjectMetadata, body: Buffer): void {
    const objects = this.objectsOf(bucket);
    if (this.directory) {
      const base = path.join(this.directory, bucket, fileNameOf(metadata.key));
      // Body first, then the metadata that makes it visible: a crash in between leaves no half object.
      writeFileSync(`${base}.body`, body);
      writeFileSync(`${base}.json`, JSON.stringify(metadata));
      objects.set(metadata.key, { metadata });
    } else {
      objects.set(metadata.key, { metadata, body });
    }
  }

  get(bucket: string, key: string): StoredObject | undefined {
    const entry = this.objectsOf(bucket).get(key);
    if (!entry) return undefined;
    const file = this.directory ? `${path.join(this.directory, bucket, fileNameOf(key))}.body` : undefined;
    return { ...entry.metadata, body: () => entry.body ?? readFileSync(file!) };
  }

  setTags(bucket: string, key: string, tags: [string, string][]): boolean {
    const entry = this.objectsOf(bucket).get(key);
    if (!entry) return false;
    entry.metadata = { ...entry.metadata, tags };
    if (this.directory) writeFileSync(`${path.join(this.directory, bucket, fileNameOf(key))}.json`, JSON.stringify(entry.metadata));
    return true;
  }

  /** Deletes the key; deleting a key that does not exist succeeds, as in S3. */
  delete(bucket: string, key: string): void {
    const objects = this.objectsOf(bucket);
    if (!objects.delete(key) || !this.directory) return;
    const base = path.join(this.directory, bucket, fileNameOf(key));
    rmSync(`${base}.json`, { force: true });
    rmSync(`${base}.body`, { force: true });
  }

  /** Keys in UTF-8 binary order, as S3 lists them, grouped by `delimiter` after `prefix`. */
  list(bucket: string, options: { prefix: string; delimiter?: string; startAfter?: string; maxKeys: number }): ListPage {
    const keys = [...this.objectsOf(bucket).keys()].filter((key) => key.startsWith(options.prefix)).sort(compareUtf8);
    const objects: ObjectMetadata[] = [];
    const commonPrefixes: string[] = [];
    let lastKey: string | undefined;
    for (const key of keys) {
      if (options.startAfter !== undefined && compareUtf8(key, options.startAfter) <= 0) continue;
      const rest = key.slice(options.prefix.length);
      const cut = options.delimiter ? rest.indexOf(options.delimiter) : -1;
      const commonPrefix = cut >= 0 ? options.prefix + rest.slice(0, cut + options.delimiter!.length) : undefined;
      if (commonPrefix !== undefined && commonPrefixes.at(-1) === commonPrefix) continue;
      if (objects.length + commonPrefixes.length >= options.maxKeys) return { objects, commonPrefixes, truncated: true, ...(lastKey ? { lastKey } : {}) };
      if (commonPrefix !== undefined) {
        commonPrefixes.push(commonPrefix);
        // Continue after every key of this prefix.
        lastKey = `${commonPrefix}\u{10FFFF}`;
      } else {
        objects.push(this.objectsOf(bucket).get(key)!.metadata);
        lastKey = key;
      }
    }
    return { objects, commonPrefixes, truncated: false, ...(lastKey ? { lastKey } : {}) };
  }
}

export const compareUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
