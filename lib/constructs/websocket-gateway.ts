import { Stack } from 'aws-cdk-lib';
import { WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IWebSocketRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface WebSocketGatewayProps {
  stageName: string;
  authorizer: IWebSocketRouteAuthorizer;
  connectHandler: IFunction;
  disconnectHandler: IFunction;
  defaultHandler: IFunction;
}

/**
 * The API Gateway WebSocket API: routes chosen by `$request.body.action`, `$connect` behind the
 * token authorizer, and one stage. Routes that answer the client are two-way (a route response),
 * so a reply costs no Management API call.
 */
export class WebSocketGateway extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;

  constructor(scope: Construct, id: string, props: WebSocketGatewayProps) {
    super(scope, id);
    this.api = new WebSocketApi(this, 'Api', {
      description: 'Instant messaging over WebSocket (PROTOCOL.md v1)',
      routeSelectionExpression: '$request.body.action',
      connectRouteOptions: {
        integration: new WebSocketLambdaIntegration('ConnectIntegration', props.connectHandler),
        authorizer: props.authorizer,
      },
      disconnectRouteOptions: {
        integration: new WebSocketLambdaIntegration('DisconnectIntegration', props.disconnectHandler),
      },
      defaultRouteOptions: {
        integration: new WebSocketLambdaIntegration('DefaultIntegration', props.defaultHandler),
        returnResponse: true,
      },
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: props.stageName,
      autoDeploy: true,
    });
  }

  /** Adds a two-way route for a protocol action handled by `handler`. */
  addAction(action: string, handler: IFunction): void {
    this.api.addRoute(action, {
      integration: new WebSocketLambdaIntegration(`${action}Integration`, handler),
      returnResponse: true,
    });
  }

  /** The HTTPS endpoint of the Management API (`@connections`) for this stage. */
  get managementEndpoint(): string {
    return `https://${this.api.apiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${this.stage.stageName}`;
  }

  /** Lets a function push to and drop connections of this stage, and nothing else. */
  grantPush(handler: IFunction): void {
    this.stage.grantManagementApiAccess(handler);
  }
}
