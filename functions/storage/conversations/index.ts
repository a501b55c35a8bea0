/**
 * The Conversations table: per conversation (`conversationId`), its head at cseq 0 (a group head or
 * a direct head) and its messages at cseq 1, 2, 3, ... (records.ts). Domain code imports from here.
 */
export * from './records.js';
export * from './group-heads.js';
export * from './direct-heads.js';
export * from './messages.js';
export * from './change-log.js';
export * from './recalls.js';
export * from './blocks.js';
