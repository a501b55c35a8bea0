/**
 * Error codes and reasons of error replies:
 *
 *     {"id": "...", "ok": false, "error": {"code": "CONFLICT", "message": "...", "reason": "inProgress", "retryAfterMs": 1000}}
 *
 * `code` is one of the v1 codes. `reason` (optional, stable, machine-readable) tells apart the
 * meanings one code has; clients switch on `code` + `reason`, never on `message`, which is text
 * for humans. `retryAfterMs` (optional) says how long to wait before retrying.
 */

export const ERROR_CODES = ['BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'TOO_LARGE', 'RATE_LIMITED', 'INTERNAL'] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The reasons each code may carry. Reserved reasons are named so clients can prepare for them. */
export const ERROR_REASONS = {
  BAD_REQUEST: [
    /** Not JSON, not an object, or empty. */
    'invalidFrame',
    /** A field is missing, unknown or invalid. */
    'invalidField',
    /** No action, or one the server does not know. */
    'unknownAction',
    /** `attachmentUpload`: the content type is not in the deployment's allowed list. */
    'contentTypeNotAllowed',
    /** `send`: the attachment was never uploaded (or its upload URL expired unused). */
    'attachmentNotUploaded',
    /** `send`: the body's size or content type is not what was uploaded. */
    'attachmentMismatch',
    /** `send`: the attachment was sent in another message already (each message carries its own upload). */
    'attachmentInUse',
    /** `registerPush` for a platform this deployment has no push credentials for. */
    'platformNotConfigured',
  ],
  UNAUTHORIZED: ['notAuthenticated', /** the connection's token expired: the connection is closed (a `closing` event first) */ 'tokenExpired'],
  FORBIDDEN: [
    'notMember',
    'notOwner',
    /** Only the message's sender may do this (edit; recall, unless the caller may recall any message). */
    'notSender',
    /** The message is older than the deployment's editWindowHours. */
    'editWindowClosed',
    /** The message is older than the deployment's recallWindowHours. */
    'recallWindowClosed',
    /** The message's body is of a kind that cannot be edited (only text and custom bodies can). */
    'notEditable',
    /** The message was recalled: it can no longer be edited or reacted to. */
    'messageRecalled',
    /** `send`: the attachment was uploaded by someone else. */
    'notUploader',
    /** Group roles: only the owner or an admin may do this (`updateGroup`, `removeMembers`). */
    'notAdmin',
    /** `send` to a group where only the owner and admins may send. */
    'onlyAdminsSend',
    /** `addMembers` to a group where only the owner and admins may add. */
    'onlyAdminsAdd',
    /** `send` to a direct conversation in which one of the two members blocks the other (`block`). */
    'blocked',
    /**
     * `send`, `edit` (and the server API's POST /v1/messages): the deployment's moderation function
     * refused the message (or could not be asked, and the deployment's fallback is to refuse).
     * Nothing was stored; the same clientMsgId may be sent again (docs/moderation.md).
     */
    'moderated',
  ],
  NOT_FOUND: [
    /** `attachmentDownload`: the message has no attachment, or it was recalled. */
    'noAttachment',
    /** `setRole`, `transferOwnership`: the user named is not a member of the group. */
    'notGroupMember',
  ],
  CONFLICT: [
    /** A send with this clientMsgId is still in progress: retry later with the same clientMsgId. */
    'inProgress',
    /** The clientMsgId was already used for a message to another conversation: do not retry. */
    'clientMsgIdReused',
  ],
  TOO_LARGE: [
    'bodyTooLarge',
    'groupFull',
    'tooManyMembers',
    /** `react`: the caller already has the most distinct reactions on the message, or the message has the most reactions it can hold. */
    'tooManyReactions',
    /** above `maxAttachmentMB` */
    'attachmentTooLarge',
    /** `deleteForMe`: the caller has hidden as many messages of this conversation as can be kept. */
    'tooManyHidden',
    /** `block`: the caller already blocks as many users as can be kept (MAX_BLOCKED_USERS). */
    'tooManyBlocked',
    /** Server API `GET /v1/users/{id}/export`: the document is above USER_EXPORT_MAX_BYTES. */
    'exportTooLarge',
  ],
  RATE_LIMITED: [
    'connectionRate',
    'sendRate',
    /** the per-user daily upload quota is used up */
    'uploadQuota',
    /** the per-user limit of this kind of action (group changes, typing, presence, reads, sync, ...) is used up */
    'userRate',
  ],
  INTERNAL: [],
} as const satisfies Record<ErrorCode, readonly string[]>;

/** The reasons `code` may carry. */
export type ErrorReasonOf<Code extends ErrorCode> = (typeof ERROR_REASONS)[Code][number];

export type ErrorReason = ErrorReasonOf<ErrorCode>;

export const isErrorCode = (value: unknown): value is ErrorCode => typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);

/** True when `reason` is one that `code` may carry. */
export const isReasonOf = (code: ErrorCode, reason: unknown): boolean =>
  typeof reason === 'string' && (ERROR_REASONS[code] as readonly string[]).includes(reason);
