import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { ImConfig } from './config.js';
import { ActionFunctions } from './constructs/action-functions.js';
import { ConnectionStorage } from './constructs/connection-storage.js';
import { HandlerFunction } from './constructs/handler-function.js';
import { MessagingStorage } from './constructs/messaging-storage.js';
import { TokenAuth } from './constructs/token-auth.js';
import { WebSocketGateway } from './constructs/websocket-gateway.js';

export interface ImStackProps extends StackProps {
  config: ImConfig;
}

/** The whole instant-messaging backend: one stack, deployed with `cdk deploy`. */
export class ImStack extends Stack {
  readonly gateway: WebSocketGateway;

  constructor(scope: Construct, id: string, props: ImStackProps) {
    super(scope, id, props);
    const { config } = props;

    const storage = new ConnectionStorage(this, 'Storage', { retainData: config.retainData });
    const messaging = new MessagingStorage(this, 'Messaging', { retainData: config.retainData });
    const auth = new TokenAuth(this, 'Auth', { config: config.auth });

    const connectionEnvironment = {
      CONNECTIONS_TABLE: storage.table.tableName,
      CONNECTIONS_BY_USER_INDEX: ConnectionStorage.BY_USER_INDEX,
    };
    const connect = new HandlerFunction(this, 'ConnectHandler', {
      handler: 'connect',
      description: 'Stores a new connection ($connect)',
      environment: connectionEnvironment,
    });
    const disconnect = new HandlerFunction(this, 'DisconnectHandler', {
      handler: 'disconnect',
      description: 'Removes a closed connection and records last seen ($disconnect)',
      environment: { ...connectionEnvironment, TIMELINES_TABLE: messaging.timelines.tableName },
    });
    const fallback = new HandlerFunction(this, 'DefaultHandler', {
      handler: 'default-route',
      description: 'Answers frames that match no action with BAD_REQUEST ($default)',
    });
    const ping = new HandlerFunction(this, 'PingHandler', {
      handler: 'ping',
      description: 'Heartbeat: refreshes the connection and answers with the server time',
      environment: connectionEnvironment,
    });
    storage.table.grantWriteData(connect);
    storage.table.grantWriteData(disconnect);
    messaging.timelines.grantWriteData(disconnect);
    storage.table.grantWriteData(ping);

    this.gateway = new WebSocketGateway(this, 'Gateway', {
      stageName: config.stageName,
      authorizer: auth.authorizer,
      connectHandler: connect,
      disconnectHandler: disconnect,
      defaultHandler: fallback,
    });
    this.gateway.addAction('ping', ping);
    new ActionFunctions(this, 'Actions', { connections: storage.table, messaging, gateway: this.gateway });

    new CfnOutput(this, 'WebSocketUrl', { value: this.gateway.stage.url, description: 'wss:// URL for clients' });
    new CfnOutput(this, 'ManagementEndpoint', {
      value: this.gateway.managementEndpoint,
      description: 'Management API (@connections) endpoint',
    });
    new CfnOutput(this, 'ConnectionsTableName', { value: storage.table.tableName });
    new CfnOutput(this, 'TimelinesTableName', { value: messaging.timelines.tableName });
    new CfnOutput(this, 'ConversationsTableName', { value: messaging.conversations.tableName });
  }
}
