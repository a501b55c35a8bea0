import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthTemplate } from '../support/synth-stack.js';

describe('ServerlessIm stack', () => {
  const template = synthTemplate();

  it('has one WebSocket API that routes on the action field (and the server API, an HTTP API)', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 2);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
  });

  it('has the connection lifecycle routes, a $default and a two-way ping', () => {
    for (const routeKey of ['$connect', '$disconnect', '$default', 'ping']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: routeKey });
    }
    const routes = template.findResources('AWS::ApiGatewayV2::Route');
    const routeIdOf = (key: string): string =>
      Object.entries(routes).find(([, route]) => route.Properties.RouteKey === key)![0];
    const responses = Object.values(template.findResources('AWS::ApiGatewayV2::RouteResponse'));
    const twoWay = new Set(responses.map((response) => response.Properties.RouteId.Ref));
    expect(twoWay.has(routeIdOf('ping'))).toBe(true);
    expect(twoWay.has(routeIdOf('$default'))).toBe(true);
    expect(twoWay.has(routeIdOf('$connect'))).toBe(false);
  });

  it('puts a REQUEST authorizer reading ?token= on $connect only', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.querystring.token'],
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: '$connect',
      AuthorizationType: 'CUSTOM',
      AuthorizerId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'ping', AuthorizationType: 'NONE' });
  });

  it('runs every function on Node.js 22 on arm64', () => {
    // Not the CDK's provider that empties a dev stack's attachments bucket on deletion (its runtime is the CDK's choice).
    const functions = Object.entries(template.findResources('AWS::Lambda::Function'))
      .filter(([id]) => !id.startsWith('CustomS3AutoDeleteObjects'))
      .map(([, fn]) => fn);
    expect(functions.length).toBeGreaterThanOrEqual(5);
    for (const fn of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
    }
  });

  it('keeps connections in an on-demand table with a by-user index and TTL', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'connectionId', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [
        Match.objectLike({ IndexName: 'byUser', KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }, { AttributeName: 'connectionId', KeyType: 'RANGE' }] }),
        // Sparse: the token sweeper's (functions/storage/connections.ts, expiredConnections).
        Match.objectLike({ IndexName: 'byTokenExpiry', KeySchema: [{ AttributeName: 'expiryHour', KeyType: 'HASH' }, { AttributeName: 'tokenExpiresAt', KeyType: 'RANGE' }] }),
      ],
    });
  });

  it('keeps the HS256 signing key in Secrets Manager, readable by the authorizer only', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const readers = policies.filter((policy) =>
      JSON.stringify(policy.Properties.PolicyDocument).includes('secretsmanager:GetSecretValue'),
    );
    expect(readers).toHaveLength(1);
    expect(readers[0]!.Properties.PolicyName).toMatch(/^AuthAuthorizer/);
  });

  it('outputs the wss:// URL and the management endpoint', () => {
    const outputs = template.findOutputs('*');
    expect(JSON.stringify(outputs.WebSocketUrl!.Value)).toContain('wss://');
    expect(JSON.stringify(outputs.ManagementEndpoint!.Value)).toContain('https://');
  });

  it('switches to an OIDC issuer without a signing secret', () => {
    const oidc = synthTemplate({ auth: 'oidc', jwtIssuer: 'https://issuer.example.com', jwtAudience: 'chat' });
    oidc.resourceCountIs('AWS::SecretsManager::Secret', 0);
    oidc.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          AUTH_MODE: 'oidc',
          JWT_ISSUER: 'https://issuer.example.com',
          JWKS_URL: 'https://issuer.example.com/.well-known/jwks.json',
        }),
      },
    });
  });

  it('checks Cognito tokens by user pool and app client, not by audience', () => {
    const cognito = synthTemplate({ cognitoUserPoolId: 'eu-west-1_AbC123', cognitoClientId: '5d1uexampleclientid0000abcd' });
    cognito.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const authorizers = Object.values(cognito.findResources('AWS::Lambda::Function')).filter(
      (fn) => fn.Properties.Environment?.Variables?.AUTH_MODE !== undefined,
    );
    expect(authorizers).toHaveLength(1);
    const variables = authorizers[0]!.Properties.Environment.Variables as Record<string, string>;
    expect(variables).toMatchObject({
      AUTH_MODE: 'cognito',
      COGNITO_USER_POOL_ID: 'eu-west-1_AbC123',
      COGNITO_CLIENT_ID: '5d1uexampleclientid0000abcd',
      COGNITO_TOKEN_USE: 'access',
    });
    expect(variables.JWT_AUDIENCE).toBeUndefined();
  });
});
