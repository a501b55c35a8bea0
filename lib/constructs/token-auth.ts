import { Duration, Validations } from 'aws-cdk-lib';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { AuthConfig } from '../config.js';
import { HandlerFunction } from './handler-function.js';

export interface TokenAuthProps {
  config: AuthConfig;
  /** The longest token lifetime accepted, in seconds. */
  maxTokenLifetimeSeconds: number;
  /** Origins a browser's handshake may come from; empty: any. */
  allowedOrigins: string[];
  /** Days the authorizer's logs are kept. */
  logRetentionDays?: number;
}

/**
 * Verifies the JWT of `?token=` before a WebSocket connection exists (a REQUEST authorizer on
 * `$connect`). The verified `sub` and the device id reach every later route event of the
 * connection as `requestContext.authorizer`, so no handler ever trusts a user id from a frame.
 * HS256 mode keeps the signing secret in Secrets Manager; OIDC mode fetches the issuer's JWKS;
 * Cognito mode checks a user pool's tokens (issuer, JWKS, `token_use`, app client id).
 */
export class TokenAuth extends Construct {
  readonly authorizer: WebSocketLambdaAuthorizer;
  readonly function: HandlerFunction;
  readonly signingSecret?: Secret;

  constructor(scope: Construct, id: string, props: TokenAuthProps) {
    super(scope, id);
    const { config } = props;
    const environment: Record<string, string> =
      config.mode === 'cognito'
        ? { AUTH_MODE: 'cognito', COGNITO_USER_POOL_ID: config.userPoolId, COGNITO_CLIENT_ID: config.clientId, COGNITO_TOKEN_USE: config.tokenUse }
        : { AUTH_MODE: config.mode, JWT_ISSUER: config.issuer, JWT_AUDIENCE: config.audience };
    environment.MAX_TOKEN_LIFETIME_SECONDS = String(props.maxTokenLifetimeSeconds);
    if (props.allowedOrigins.length > 0) environment.ALLOWED_ORIGINS = props.allowedOrigins.join(',');
    if (config.mode === 'hs256') {
      this.signingSecret = new Secret(this, 'SigningSecret', {
        description: 'HS256 key that signs and verifies client JWTs',
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
      });
      Validations.of(this.signingSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'The HS256 key is shared with the token issuer, which must switch keys at the same moment; an automatic rotation would sign out every client at a random time. Rotate by hand (docs/operations.md, "Rotating the signing key"), or use OIDC mode, whose keys rotate through the JWKS.',
      });
    } else if (config.mode === 'oidc') {
      environment.JWKS_URL = config.jwksUrl;
    }
    this.function = new HandlerFunction(this, 'Authorizer', {
      handler: 'authorizer',
      description: 'Verifies the client JWT on $connect',
      // Signature checks are CPU work: more memory buys a faster CPU share for the handshake.
      memorySize: 512,
      // 5 s: a verification is milliseconds; a JWKS fetch or secret read on a cold start stays well under it.
      timeout: Duration.seconds(5),
      environment,
      ...(props.logRetentionDays !== undefined ? { logRetentionDays: props.logRetentionDays } : {}),
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
