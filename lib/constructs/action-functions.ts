import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { ConnectionStorage } from './connection-storage.js';
import { HandlerFunction } from './handler-function.js';
import type { MessagingStorage } from './messaging-storage.js';
import type { WebSocketGateway } from './websocket-gateway.js';

export interface ActionFunctionsProps {
  connections: ITableV2;
  messaging: MessagingStorage;
  gateway: WebSocketGateway;
}

type Access = 'read' | 'write' | 'readWrite';

interface ActionSpec {
  action: string;
  handler: string;
  description: string;
  tables: Partial<Record<'connections' | 'timelines' | 'conversations' | 'memberships' | 'sendClaims', Access>>;
  push?: boolean;
  timeout?: Duration;
}

/** The send function's timeout: a retry may only take over a send once this has surely passed. */
export const SEND_TIMEOUT = Duration.seconds(10);

/**
 * One function per protocol action, each wired to its two-way route and granted only the tables
 * (and the push permission) it uses.
 */
const ACTIONS: ActionSpec[] = [
  {
    action: 'send',
    handler: 'send',
    description: 'send: stores and delivers a message',
    tables: { connections: 'readWrite', timelines: 'readWrite', conversations: 'readWrite', memberships: 'readWrite', sendClaims: 'readWrite' },
    push: true,
    timeout: SEND_TIMEOUT,
  },
  {
    action: 'sync',
    handler: 'sync',
    description: 'sync: reads the caller timeline after a seq',
    // Writes only to close seqs abandoned by crashed writers.
    tables: { timelines: 'readWrite', conversations: 'read' },
  },
  {
    action: 'conversations',
    handler: 'conversations',
    description: 'conversations: lists conversations with unread counts',
    tables: { memberships: 'read', conversations: 'read' },
  },
  {
    action: 'history',
    handler: 'history',
    description: 'history: pages back through a conversation',
    tables: { memberships: 'read', conversations: 'read' },
  },
  {
    action: 'syncConversation',
    handler: 'sync-conversation',
    description: 'syncConversation: catches up a conversation after a cseq',
    tables: { memberships: 'read', conversations: 'read' },
  },
  {
    action: 'read',
    handler: 'read',
    description: 'read: moves a read position and notifies',
    tables: { connections: 'readWrite', memberships: 'read', conversations: 'readWrite' },
    push: true,
  },
  {
    action: 'typing',
    handler: 'typing',
    description: 'typing: relays a typing signal',
    tables: { connections: 'readWrite', memberships: 'read' },
    push: true,
  },
  {
    action: 'presence',
    handler: 'presence',
    description: 'presence: reports who is online',
    tables: { connections: 'read', timelines: 'read' },
  },
];

export class ActionFunctions extends Construct {
  readonly functions = new Map<string, HandlerFunction>();

  constructor(scope: Construct, id: string, props: ActionFunctionsProps) {
    super(scope, id);
    const tables = {
      connections: props.connections,
      timelines: props.messaging.timelines,
      conversations: props.messaging.conversations,
      memberships: props.messaging.memberships,
      sendClaims: props.messaging.sendClaims,
    };
    const environment = {
      CONNECTIONS_TABLE: tables.connections.tableName,
      CONNECTIONS_BY_USER_INDEX: ConnectionStorage.BY_USER_INDEX,
      TIMELINES_TABLE: tables.timelines.tableName,
      CONVERSATIONS_TABLE: tables.conversations.tableName,
      MEMBERSHIPS_TABLE: tables.memberships.tableName,
      SEND_CLAIMS_TABLE: tables.sendClaims.tableName,
      MANAGEMENT_API_URL: props.gateway.managementEndpoint,
      // A retry may take over an unfinished send only once its first attempt surely ended.
      SEND_ATTEMPT_MAX_MS: String(SEND_TIMEOUT.toMilliseconds() + 5_000),
    };
    for (const spec of ACTIONS) {
      const fn = new HandlerFunction(this, `${spec.action[0]!.toUpperCase()}${spec.action.slice(1)}Handler`, {
        handler: spec.handler,
        description: spec.description,
        environment,
        ...(spec.timeout ? { timeout: spec.timeout } : {}),
      });
      for (const [name, access] of Object.entries(spec.tables) as [keyof typeof tables, Access][]) {
        const table = tables[name];
        if (access === 'read') table.grantReadData(fn);
        else if (access === 'write') table.grantWriteData(fn);
        else table.grantReadWriteData(fn);
      }
      if (spec.push) props.gateway.grantPush(fn);
      props.gateway.addAction(spec.action, fn);
      this.functions.set(spec.action, fn);
    }
  }
}
