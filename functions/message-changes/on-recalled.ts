import type { MessageRecord } from '../storage/conversations/index.js';

/**
 * What else must go when a message is recalled, given the message as it was before the recall
 * (its body included). The hook point for content stored outside the conversation: attachments
 * (issue 14) delete the body's object from S3 here. It runs after the recall is committed, and
 * again when a retried recall finishes an interrupted one, so it must be idempotent.
 */
export type OnRecalled = (before: MessageRecord) => Promise<void>;

/** Today a body lives only in DynamoDB, and the recall itself removes every copy there. */
export const onRecalled: OnRecalled = async () => undefined;
