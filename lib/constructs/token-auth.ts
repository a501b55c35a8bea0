import { Duration } from 'aws-cdk-lib';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { AuthConfig } from '../config.js';
import { HandlerFunction } from './handler-function.js';

export interface TokenAuthProps {
  config: AuthConfig;
}

/**
 * Verifies the JWT of `?token=` before a WebSocket connection exists (a REQUEST authorizer on
 * `$connect`). The verified `sub` and the device id reach every later route event of the
 * connection as `requestContext.authorizer`, so no handler ever trusts a user id from a frame.
 * HS256 mode keeps the signing secret in Secrets Manager; OIDC mode fetches the issuer's JWKS.
 */
export class TokenAuth extends Construct {
  readonly authorizer: WebSocketLambdaAuthorizer;
  readonly function: HandlerFunction;
  readonly signingSecret?: Secret;

  constructor(scope: Construct, id: string, props: TokenAuthProps) {
    super(scope, id);
    const { config } = props;
    const environment: Record<string, string> = {
      AUTH_MODE: config.mode,
      JWT_ISSUER: config.issuer,
      JWT_AUDIENCE: config.audience,
    };
    if (config.mode === 'hs256') {
      this.signingSecret = new Secret(this, 'SigningSecret', {
        description: 'HS256 key that signs and verifies client JWTs',
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
      });
    } else {
      environment.JWKS_URL = config.jwksUrl;
    }
    this.function = new HandlerFunction(this, 'Authorizer', {
      handler: 'authorizer',
      description: 'Verifies the client JWT on $connect',
      // Signature checks are CPU work: more memory buys a faster CPU share for the handshake.
      memorySize: 512,
      timeout: Duration.seconds(5),
      environment,
    });
    if (this.signingSecret) {
      this.function.addEnvironment('JWT_SECRET_ARN', this.signingSecret.secretArn);
      this.signingSecret.grantRead(this.function);
    }
    this.authorizer = new WebSocketLambdaAuthorizer('TokenAuthorizer', this.function, {
      identitySource: ['route.request.querystring.token'],
    });
  }
}
