import { createHash } from 'node:crypto';

/**
 * The SigV4 hash the local HTTP API verifies with is the one the server client signs with: one
 * implementation, so the two cannot disagree about how bytes are hashed.
 */
export { NodeSha256 } from '@serverless-im/server-client/sha256';

/** SHA-256 of a request body, hex (the `x-amz-content-sha256` form). */
export const sha256Hex = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
