import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { HandlerFunction } from './handler-function.js';
import type { WebSocketGateway } from './websocket-gateway.js';

export interface TokenSweeperProps {
  connections: ITableV2;
  gateway: WebSocketGateway;
  environment: Record<string, string>;
  logRetentionDays: number;
}

/**
 * Closes connections whose token expired, every minute (functions/connections/token-sweeper.ts):
 * the path that reaches connections that only send `heartbeat`s, which API Gateway answers
 * without running any code. Three queries of the sparse `byTokenExpiry` index per run, usually
 * empty: about 4,300 half read units a day, whatever the traffic.
 */
export class TokenSweeper extends Construct {
  readonly sweeper: HandlerFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: TokenSweeperProps) {
    super(scope, id);
    this.sweeper = new HandlerFunction(this, 'Sweeper', {
      handler: 'token-sweeper',
      description: 'Closes WebSocket connections whose token expired (every minute)',
      environment: props.environment,
      logRetentionDays: props.logRetentionDays,
      // Up to 1000 closings (a push and a DeleteConnection each, in parallel) per run.
      timeout: Duration.seconds(50),
    });
    props.connections.grantReadWriteData(this.sweeper);
    props.gateway.grantPush(this.sweeper);
    props.gateway.grantDisconnect(this.sweeper);
    this.rule = new Rule(this, 'Schedule', {
      description: 'Runs the token sweeper every minute',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(this.sweeper, { retryAttempts: 0 })],
    });
  }
}
