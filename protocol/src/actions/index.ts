import type * as z from 'zod/mini';
import { addMembersRequest, addMembersResult } from './add-members.js';
import { attachmentDownloadRequest, attachmentDownloadResult } from './attachment-download.js';
import { attachmentUploadRequest, attachmentUploadResult } from './attachment-upload.js';
import { blockRequest, blockResult } from './block.js';
import { conversationsRequest, conversationsResult } from './conversations.js';
import { createGroupRequest, createGroupResult } from './create-group.js';
import { deleteForMeRequest, deleteForMeResult } from './delete-for-me.js';
import { deliveredRequest, deliveredResult } from './delivered.js';
import { editRequest, editResult } from './edit.js';
import { historyRequest, historyResult } from './history.js';
import { leaveGroupRequest, leaveGroupResult } from './leave-group.js';
import { pingRequest, pingResult } from './ping.js';
import { presenceRequest, presenceResult } from './presence.js';
import { reactRequest, reactResult } from './react.js';
import { readRequest, readResult } from './read.js';
import { readReceiptsRequest, readReceiptsResult } from './read-receipts.js';
import { recallRequest, recallResult } from './recall.js';
import { removeMembersRequest, removeMembersResult } from './remove-members.js';
import { type SendParams, sendRequest, sendResult } from './send.js';
import { syncRequest, syncResult } from './sync.js';
import { syncConversationRequest, syncConversationResult } from './sync-conversation.js';
import { typingRequest, typingResult } from './typing.js';
import { muteRequest, muteResult } from './mute.js';
import { registerPushRequest, registerPushResult } from './register-push.js';
import { unblockRequest, unblockResult } from './unblock.js';
import { unregisterPushRequest, unregisterPushResult } from './unregister-push.js';
import { setRoleRequest, setRoleResult, transferOwnershipRequest, transferOwnershipResult, updateGroupRequest, updateGroupResult } from './group-roles.js';
import { reportRequest, reportResult } from './report.js';

/** Every action: the schema of its request frame (`action` and `id` included) and of its reply `data`. */
export const actions = {
  send: { request: sendRequest, result: sendResult },
  sync: { request: syncRequest, result: syncResult },
  conversations: { request: conversationsRequest, result: conversationsResult },
  history: { request: historyRequest, result: historyResult },
  syncConversation: { request: syncConversationRequest, result: syncConversationResult },
  read: { request: readRequest, result: readResult },
  readReceipts: { request: readReceiptsRequest, result: readReceiptsResult },
  createGroup: { request: createGroupRequest, result: createGroupResult },
  addMembers: { request: addMembersRequest, result: addMembersResult },
  removeMembers: { request: removeMembersRequest, result: removeMembersResult },
  leaveGroup: { request: leaveGroupRequest, result: leaveGroupResult },
  typing: { request: typingRequest, result: typingResult },
  presence: { request: presenceRequest, result: presenceResult },
  ping: { request: pingRequest, result: pingResult },
  edit: { request: editRequest, result: editResult },
  recall: { request: recallRequest, result: recallResult },
  deleteForMe: { request: deleteForMeRequest, result: deleteForMeResult },
  react: { request: reactRequest, result: reactResult },
  attachmentUpload: { request: attachmentUploadRequest, result: attachmentUploadResult },
  attachmentDownload: { request: attachmentDownloadRequest, result: attachmentDownloadResult },
  registerPush: { request: registerPushRequest, result: registerPushResult },
  unregisterPush: { request: unregisterPushRequest, result: unregisterPushResult },
  mute: { request: muteRequest, result: muteResult },
  delivered: { request: deliveredRequest, result: deliveredResult },
  setRole: { request: setRoleRequest, result: setRoleResult },
  transferOwnership: { request: transferOwnershipRequest, result: transferOwnershipResult },
  updateGroup: { request: updateGroupRequest, result: updateGroupResult },
  report: { request: reportRequest, result: reportResult },
  block: { request: blockRequest, result: blockResult },
  unblock: { request: unblockRequest, result: unblockResult },
} as const;

export type ActionName = keyof typeof actions;

/** The request frame of an action as a client writes it (defaults may be left out). */
export type RequestFrame<A extends ActionName> = z.input<(typeof actions)[A]['request']>;

type ParamsOf<Frame> = Omit<Frame, 'action' | 'id'>;

/** An action's parameters: its request frame without `action` and `id`. */
export type ActionParams<A extends ActionName> = A extends 'send'
  ? SendParams
  : keyof ParamsOf<RequestFrame<A>> extends never
    ? Record<string, never>
    : ParamsOf<RequestFrame<A>>;

/** An action's reply `data`. */
export type ActionResult<A extends ActionName> = z.infer<(typeof actions)[A]['result']>;

/** Every action: its parameters and its reply `data`. */
export type ActionMap = { [A in ActionName]: { params: ActionParams<A>; result: ActionResult<A> } };
