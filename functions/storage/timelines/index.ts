/**
 * The Timelines table: per user (`userId`), the head at seq 0 (head.ts) and the items 1..latest,
 * the user's mailbox (items.ts), stored as records.ts describes. Domain code imports from here.
 */
export * from './head.js';
export * from './items.js';
export * from './records.js';
