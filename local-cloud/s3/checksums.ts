import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { crc32 } from 'node:zlib';
import { S3Error } from './errors.js';

/**
 * S3's data-integrity checks on uploads: `Content-MD5` and the additional checksums
 * (`x-amz-checksum-crc32`, `-crc32c`, `-crc64nvme`, `-sha1`, `-sha256`, base64 of the big-endian
 * digest). A header whose value does not match the body fails the upload and stores nothing.
 * The SDK sends a CRC32 with every PutObject by default (`requestChecksumCalculation`).
 */

export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

function reflectedTable32(polynomial: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ polynomial : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

const CRC32C_TABLE = reflectedTable32(0x82f63b78);

function crc32c(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC32C_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const CRC64NVME_POLYNOMIAL = 0x9a6c9329ac4bc9b5n;
const MASK64 = 0xffffffffffffffffn;
const CRC64NVME_TABLE = Array.from({ length: 256 }, (_unused, n) => {
  let c = BigInt(n);
  for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ CRC64NVME_POLYNOMIAL : c >> 1n;
  return c;
});

function crc64nvme(data: Buffer): Buffer {
  let crc = MASK64;
  for (const byte of data) crc = CRC64NVME_TABLE[Number((crc ^ BigInt(byte)) & 0xffn)]! ^ (crc >> 8n);
  const digest = Buffer.alloc(8);
  digest.writeBigUInt64BE((crc ^ MASK64) & MASK64);
  return digest;
}

const uint32 = (value: number): Buffer => {
  const digest = Buffer.alloc(4);
  digest.writeUInt32BE(value >>> 0);
  return digest;
};

/** The base64 checksum S3 would compute for `data`. */
export function checksumOf(algorithm: ChecksumAlgorithm, data: Buffer): string {
  switch (algorithm) {
    case 'crc32':
      return uint32(crc32(data)).toString('base64');
    case 'crc32c':
      return uint32(crc32c(data)).toString('base64');
    case 'crc64nvme':
      return crc64nvme(data).toString('base64');
    case 'sha1':
    case 'sha256':
      return createHash(algorithm).update(data).digest('base64');
  }
}

export const md5Hex = (data: Buffer): string => createHash('md5').update(data).digest('hex');

const CHECKSUM_NAMES: Record<ChecksumAlgorithm, string> = { crc32: 'CRC32', crc32c: 'CRC32C', crc64nvme: 'CRC64NVME', sha1: 'SHA1', sha256: 'SHA256' };

/**
 * Checks `Content-MD5` and any `x-amz-checksum-*` value (from headers, or from the trailer of an
 * aws-chunked body) against the body. Returns the checksums to store with the object.
 */
export function verifyChecksums(headers: IncomingHttpHeaders, body: Buffer, trailer: Readonly<Record<string, string>> = {}): Partial<Record<ChecksumAlgorithm, string>> {
  const contentMd5 = headers['content-md5'];
  if (typeof contentMd5 === 'string') {
    const given = Buffer.from(contentMd5, 'base64');
    if (given.length !== 16) throw new S3Error(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.', { 'Content-MD5': contentMd5 });
    const computed = createHash('md5').update(body).digest();
    if (!computed.equals(given)) {
      throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.', {
        ExpectedDigest: contentMd5,
        CalculatedDigest: computed.toString('base64'),
      });
    }
  }
  const stored: Partial<Record<ChecksumAlgorithm, string>> = {};
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const name = `x-amz-checksum-${algorithm}`;
    const given = trailer[name] ?? headers[name];
    if (typeof given !== 'string') continue;
    const computed = checksumOf(algorithm, body);
    if (given !== computed) {
      throw new S3Error(400, 'BadDigest', `The ${CHECKSUM_NAMES[algorithm]} you specified did not match the calculated checksum.`);
    }
    stored[algorithm] = computed;
  }
  return stored;
}

/** Response headers naming an object's stored checksums (GetObject/HeadObject with `x-amz-checksum-mode: ENABLED`). */
export function checksumHeaders(checksums: Partial<Record<ChecksumAlgorithm, string>>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [algorithm, value] of Object.entries(checksums)) headers[`x-amz-checksum-${algorithm}`] = value;
  if (Object.keys(headers).length > 0) headers['x-amz-checksum-type'] = 'FULL_OBJECT';
  return headers;
}

/**
 * Decodes an `aws-chunked` body (`Content-Encoding: aws-chunked`, what the SDK streams with
 * `STREAMING-UNSIGNED-PAYLOAD-TRAILER`): `hex-size[;chunk-signature=…]\r\n data \r\n … 0\r\n
 * trailer-name:value\r\n\r\n`. Returns the data and the trailing headers.
 */
export function decodeAwsChunked(raw: Buffer): { data: Buffer; trailer: Record<string, string> } {
  const chunks: Buffer[] = [];
  let offset = 0;
  const line = (): string => {
    const end = raw.indexOf('\r\n', offset);
    if (end < 0) throw new S3Error(400, 'IncompleteBody', 'The request body terminated unexpectedly');
    const text = raw.subarray(offset, end).toString('latin1');
    offset = end + 2;
    return text;
  };
  for (;;) {
    const size = Number.parseInt(line().split(';')[0]!, 16);
    if (!Number.isFinite(size)) throw new S3Error(400, 'InvalidChunkSizeError', 'Only the last chunk is allowed to have a size less than 8192 bytes');
    if (size === 0) break;
    chunks.push(raw.subarray(offset, offset + size));
    offset += size;
    line();
  }
  const trailer: Record<string, string> = {};
  while (offset < raw.length) {
    const header = line();
    if (header === '') break;
    const colon = header.indexOf(':');
    if (colon > 0) trailer[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
  }
  return { data: Buffer.concat(chunks), trailer };
}
