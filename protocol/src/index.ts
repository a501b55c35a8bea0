/**
 * @serverless-im/protocol: the one definition of the wire format, used by the server handlers,
 * the client SDK, the SDK's fake server and the tests. docs/protocol.md describes it in words.
 *
 * Modules without a schema (identifiers, limits, errors) are what the SDK uses at run time; the
 * schemas (zod/mini) are for whoever validates frames, and their types are inferred from them.
 */
export * from './identifiers.js';
export * from './limits.js';
export * from './emoji.js';
export * from './attachments.js';
export * from './errors.js';
export * from './reports.js';
export * from './moderation.js';
export * from './schemas/identifiers.js';
export * from './schemas/attachments.js';
export * from './schemas/shapes.js';
export * from './schemas/frames.js';
export * from './events.js';
export * from './heartbeat.js';
export * from './actions/index.js';
export * from './actions/add-members.js';
export * from './actions/attachment-download.js';
export * from './actions/attachment-upload.js';
export * from './actions/conversations.js';
export * from './actions/create-group.js';
export * from './actions/delete-for-me.js';
export * from './actions/delivered.js';
export * from './actions/edit.js';
export * from './actions/message-change.js';
export * from './actions/react.js';
export * from './actions/recall.js';
export * from './actions/history.js';
export * from './actions/leave-group.js';
export * from './actions/ping.js';
export * from './actions/presence.js';
export * from './actions/read.js';
export * from './actions/read-receipts.js';
export * from './actions/remove-members.js';
export * from './actions/send.js';
export * from './actions/sync.js';
export * from './actions/sync-conversation.js';
export * from './actions/typing.js';
export * from './actions/group-roles.js';
export * from './actions/report.js';
export * from './actions/register-push.js';
export * from './actions/unregister-push.js';
export * from './actions/mute.js';
export * from './actions/block.js';
export * from './actions/unblock.js';
