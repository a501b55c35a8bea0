import { randomBytes } from 'node:crypto';

/**
 * Connection, request and message ids in the format API Gateway uses (`R1kmxc2VNjMCFIA=`,
 * `VNRXVFJOywMF3-Q=`): 11 bytes in the URL-safe base64 alphabet, padded to 16 characters.
 * AWS derives part of the id from the time; random bytes keep ours unique without state.
 */
export function newAwsId(): string {
  return `${randomBytes(11).toString('base64url')}=`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** `requestContext.requestTime`: `20/Jan/2024:11:55:08 +0000`, always UTC as in AWS. */
export function formatRequestTime(epochMs: number): string {
  const d = new Date(epochMs);
  const month = MONTHS[d.getUTCMonth()] ?? 'Jan';
  return `${pad2(d.getUTCDate())}/${month}/${d.getUTCFullYear()}:${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0000`;
}

/** `X-Amzn-Trace-Id` as X-Ray writes it: `Root=1-{epoch seconds, hex}-{96 random bits, hex}`. */
export function newTraceId(epochMs: number): string {
  const seconds = Math.floor(epochMs / 1000).toString(16).padStart(8, '0');
  return `Root=1-${seconds}-${randomBytes(12).toString('hex')}`;
}
