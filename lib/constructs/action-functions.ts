import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AttachmentStorage } from './attachment-storage.js';
import { HandlerFunction } from './handler-function.js';
import type { WebSocketGateway } from './websocket-gateway.js';

export type TableName = 'connections' | 'timelines' | 'conversations' | 'memberships' | 'claims' | 'groupListeners';

export interface ActionFunctionsProps {
  tables: Record<TableName, ITableV2>;
  fanOutQueue: IQueue;
  gateway: WebSocketGateway;
  environment: Record<string, string>;
  attachments: AttachmentStorage;
  /** Days each function's logs are kept. */
  logRetentionDays?: number;
}

type Access = 'read' | 'write' | 'readWrite';

interface ActionSpec {
  /** The routes this function serves (usually one). */
  actions: string[];
  handler: string;
  description: string;
  tables: Partial<Record<TableName, Access>>;
  /** Pushes events of its own (every action may push `closing`, so every function gets the grant). */
  push?: boolean;
  /** Asks API Gateway whether connections are open (GetConnection): records may outlive a lost `$disconnect`. */
  inspect?: boolean;
  enqueue?: boolean;
  /** What the function does with the attachments bucket (lib/constructs/attachment-storage.ts); `delete`: a recall. */
  attachments?: 'upload' | 'attach' | 'download' | 'delete';
  timeout?: Duration;
}

/** The send function's timeout: a retry may only take over a send once this has surely passed. */
export const SEND_TIMEOUT = Duration.seconds(10);

/**
 * One function per protocol action, each wired to its two-way route and granted only the tables
 * (and the push or enqueue permission) it uses.
 */
const ACTIONS: ActionSpec[] = [
  {
    actions: ['send'],
    handler: 'send',
    description: 'send: stores and delivers a message',
    tables: { connections: 'readWrite', timelines: 'readWrite', conversations: 'readWrite', memberships: 'readWrite', claims: 'readWrite' },
    push: true,
    enqueue: true,
    // An attachment message: HeadObject and PutObjectTagging before the message is stored.
    attachments: 'attach',
    // 256 MB, 10 s: about ten DynamoDB calls and the pushes; the timeout also bounds retry takeover.
    timeout: SEND_TIMEOUT,
  },
  {
    actions: ['sync'],
    handler: 'sync',
    description: 'sync: reads the caller timeline after a seq',
    // 256 MB, 10 s: one page query (at most 1 MB), the reply JSON is the only CPU work.
    // Writes timelines only to close seqs abandoned by crashed writers; the delivered receipts of
    // the page: one conditional update per conversation (direct heads, group membership rows) and
    // a push to the authors.
    tables: { connections: 'readWrite', timelines: 'readWrite', conversations: 'readWrite', memberships: 'readWrite' },
    push: true,
  },
  {
    actions: ['conversations'],
    handler: 'conversations',
    description: 'conversations: lists conversations with unread counts',
    // 256 MB, 10 s: a first page applies the timeline's tail to the activity index (reads the
    // timeline, raises rows), then one index query and batch gets per page.
    tables: { memberships: 'readWrite', conversations: 'read', timelines: 'read' },
  },
  {
    actions: ['history'],
    handler: 'history',
    description: 'history: pages back through a conversation',
    // 256 MB, 10 s: one membership get and one page query.
    tables: { memberships: 'read', conversations: 'read' },
  },
  {
    actions: ['syncConversation'],
    handler: 'sync-conversation',
    description: 'syncConversation: catches up a conversation after a cseq',
    // 256 MB, 10 s: two queries; the delivered receipt of the page (one conditional update, pushes to the authors).
    tables: { connections: 'readWrite', memberships: 'readWrite', conversations: 'readWrite' },
    push: true,
  },
  {
    actions: ['delivered'],
    handler: 'delivered',
    description: 'delivered: acknowledges pushes and tells the authors',
    // 256 MB, 10 s: a head read (groups), one conditional update, a few pushes.
    tables: { connections: 'readWrite', memberships: 'readWrite', conversations: 'readWrite' },
    push: true,
  },
  {
    actions: ['read'],
    handler: 'read',
    description: 'read: moves a read position and notifies',
    // 256 MB, 10 s: a conditional update, the unread index (and the timeline's tail) and a few pushes.
    tables: { connections: 'readWrite', memberships: 'readWrite', conversations: 'readWrite', timelines: 'read' },
    push: true,
  },
  {
    actions: ['readReceipts'],
    handler: 'read-receipts',
    description: 'readReceipts: how many group members read up to a message',
    // 256 MB, 10 s: pages the byGroup index (keys and read positions only).
    tables: { memberships: 'read', conversations: 'read' },
  },
  {
    actions: ['typing'],
    handler: 'typing',
    description: 'typing: relays a typing signal',
    // 256 MB, 10 s: a membership check and a few pushes; nothing is stored.
    tables: { connections: 'readWrite', memberships: 'read', conversations: 'read' },
    push: true,
  },
  {
    actions: ['presence'],
    handler: 'presence',
    description: 'presence: reports who is online',
    // 256 MB, 10 s: the caller's memberships (shared groups), a batch get of the pair heads (direct
    // conversations, blocks), then for those it may report: one index query per user and one batch get.
    // A GetConnection per user reported online (records may outlive a lost `$disconnect`); a gone one's record is deleted.
    tables: { connections: 'readWrite', timelines: 'read', memberships: 'read', conversations: 'read' },
    inspect: true,
  },
  {
    actions: ['edit', 'recall', 'react'],
    handler: 'message-change',
    description: 'edit, recall, react: changes a stored message and delivers its new state',
    // 256 MB, 10 s: a conditional write of the message and the log entry, the members' update
    // items (direct, and the actor's own in groups; the rest through the queue), a few pushes.
    // Claims: update items are delivered exactly once; a recall finds the group copies by them.
    tables: { connections: 'readWrite', conversations: 'readWrite', memberships: 'read', timelines: 'readWrite', claims: 'readWrite' },
    attachments: 'delete',
    push: true,
    enqueue: true,
  },
  {
    actions: ['deleteForMe'],
    handler: 'delete-for-me',
    description: 'deleteForMe: hides messages on the caller devices',
    // 256 MB, 10 s: the last-cseq query, one set update, the caller's timeline item and a push.
    // Memberships: the hidden set lives there (and the membership check of groups).
    tables: { connections: 'readWrite', conversations: 'read', memberships: 'readWrite', timelines: 'readWrite', claims: 'readWrite' },
    push: true,
  },
  {
    actions: ['createGroup', 'addMembers', 'removeMembers', 'leaveGroup'],
    handler: 'group-membership',
    description: 'createGroup, addMembers, removeMembers, leaveGroup: changes a group and tells its members',
    // 256 MB, 10 s: batch writes of the changed memberships and the actor's item; other members' items go through the queue.
    // Timelines and claims: the actor's own system item is written before the reply.
    tables: { connections: 'readWrite', conversations: 'readWrite', memberships: 'readWrite', groupListeners: 'readWrite', timelines: 'readWrite', claims: 'readWrite' },
    push: true,
    enqueue: true,
  },
  {
    actions: ['setRole', 'transferOwnership', 'updateGroup'],
    handler: 'group-roles',
    description: 'setRole, transferOwnership, updateGroup: changes roles and settings of a group and tells its members',
    // 256 MB, 10 s: one transaction (head, one or two membership rows), the actor's item; other members' items go through the queue.
    // Memberships read/write: roles; Conversations: the head (owner, settings); timelines and claims: the actor's system item.
    tables: { connections: 'readWrite', conversations: 'readWrite', memberships: 'readWrite', timelines: 'readWrite', claims: 'readWrite' },
    push: true,
    enqueue: true,
  },
  {
    actions: ['report'],
    handler: 'report',
    description: 'report: stores a member report of a message for the company',
    // 256 MB, 10 s: a membership get (groups), a message get and one conditional put (the report item in Conversations).
    tables: { memberships: 'read', conversations: 'readWrite' },
  },
  {
    actions: ['block', 'unblock'],
    handler: 'block',
    description: 'block, unblock: stops or restores direct messages, typing, receipts and presence with a user',
    // 256 MB, 10 s: one transaction of three updates (the blocker's list, the pair's head and block marker).
    tables: { memberships: 'readWrite', conversations: 'readWrite' },
  },
  {
    actions: ['attachmentUpload'],
    handler: 'attachment-upload',
    description: 'attachmentUpload: counts the daily quota and presigns an S3 upload',
    // 256 MB, 10 s: one conditional update and a presign (no S3 call: signing is local).
    tables: { claims: 'readWrite' },
    attachments: 'upload',
  },
  {
    actions: ['attachmentDownload'],
    handler: 'attachment-download',
    description: 'attachmentDownload: presigns an S3 download for a member',
    // 256 MB, 10 s: a membership get, a message get and a presign.
    tables: { memberships: 'read', conversations: 'read' },
    attachments: 'download',
  },
];

const functionId = (handler: string): string =>
  `${handler.replace(/(^|-)([a-z])/g, (_match, _dash, letter: string) => letter.toUpperCase())}Handler`;

export class ActionFunctions extends Construct {
  readonly functions = new Map<string, HandlerFunction>();

  constructor(scope: Construct, id: string, props: ActionFunctionsProps) {
    super(scope, id);
    for (const spec of ACTIONS) {
      const fn = new HandlerFunction(this, functionId(spec.handler), {
        handler: spec.handler,
        description: spec.description,
        environment: props.environment,
        ...(props.logRetentionDays !== undefined ? { logRetentionDays: props.logRetentionDays } : {}),
        ...(spec.timeout ? { timeout: spec.timeout } : {}),
      });
      for (const [name, access] of Object.entries(spec.tables) as [TableName, Access][]) {
        const table = props.tables[name];
        if (access === 'read') table.grantReadData(fn);
        else if (access === 'write') table.grantWriteData(fn);
        else table.grantReadWriteData(fn);
      }
      // Pushes (`spec.push` or not): gateway.addAction grants every action function the push and DeleteConnection, for `closing`.
      if (spec.inspect) props.gateway.grantInspect(fn);
      if (spec.enqueue) props.fanOutQueue.grantSendMessages(fn);
      if (spec.attachments === 'upload') props.attachments.grantUpload(fn);
      else if (spec.attachments === 'attach') props.attachments.grantAttach(fn);
      else if (spec.attachments === 'download') props.attachments.grantDownload(fn);
      else if (spec.attachments === 'delete') props.attachments.grantDelete(fn);
      for (const action of spec.actions) {
        props.gateway.addAction(action, fn);
        this.functions.set(action, fn);
      }
    }
  }
}
