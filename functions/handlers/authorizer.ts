import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { DEVICE_ID_PATTERN } from '@serverless-im/protocol';
import { lifetimeRefusal, maxTokenLifetimeFromEnv, originAllowed, originOf, originsFromEnv } from '../auth/connect-policy.js';
import { loadSigningSecret } from '../auth/signing-secret.js';
import { createTokenVerifier, InvalidTokenError, type TokenVerifier } from '../auth/token-verifier.js';
import { requiredEnv } from '../platform/env.js';
import { logger } from '../platform/observability.js';

let verifier: Promise<TokenVerifier> | undefined;

async function createVerifier(): Promise<TokenVerifier> {
  if (requiredEnv('AUTH_MODE') === 'cognito') {
    // Loaded only in Cognito mode, so HS256 and OIDC cold starts do not evaluate aws-jwt-verify.
    const { createCognitoTokenVerifier } = await import('../auth/cognito-token-verifier.js');
    const tokenUse = requiredEnv('COGNITO_TOKEN_USE') === 'id' ? 'id' : 'access';
    return createCognitoTokenVerifier({ userPoolId: requiredEnv('COGNITO_USER_POOL_ID'), clientId: requiredEnv('COGNITO_CLIENT_ID'), tokenUse });
  }
  const issuer = requiredEnv('JWT_ISSUER');
  const audience = requiredEnv('JWT_AUDIENCE');
  if (requiredEnv('AUTH_MODE') === 'oidc') {
    return createTokenVerifier({ key: { kind: 'jwks', url: requiredEnv('JWKS_URL') }, issuer, audience });
  }
  const secret = await loadSigningSecret(requiredEnv('JWT_SECRET_ARN'));
  return createTokenVerifier({ key: { kind: 'hs256', secret }, issuer, audience });
}

const allowedOrigins = originsFromEnv();
const maxTokenLifetimeSeconds = maxTokenLifetimeFromEnv();

/** API Gateway answers the handshake with 401 when a REQUEST authorizer throws exactly this. */
const unauthorized = (): Error => new Error('Unauthorized');

/**
 * REQUEST authorizer of `$connect`: `?token=` must be a valid JWT no longer-lived than
 * `maxTokenLifetimeSeconds` (else 401) and `?device=`, when given, a valid device id; a browser's
 * `Origin` must be one of `allowedOrigins` (else a Deny policy: 403). The user, device and the
 * token's `exp` (`tokenExp`) go into the authorizer context, which API Gateway hands to every
 * later route of the connection: each action closes the connection once `tokenExp` has passed.
 */
export async function handler(event: APIGatewayRequestAuthorizerEvent, context: Context): Promise<APIGatewayAuthorizerResult> {
  logger.addContext(context);
  const token = event.queryStringParameters?.token;
  const device = event.queryStringParameters?.device;
  if (!token) throw unauthorized();
  const origin = originOf(event.headers);
  if (!originAllowed(origin, allowedOrigins)) {
    logger.info('connection refused', { reason: 'origin not allowed', origin });
    return deny(event.methodArn);
  }
  if (device !== undefined && !DEVICE_ID_PATTERN.test(device)) {
    logger.info('connection refused', { reason: 'invalid device id' });
    throw unauthorized();
  }
  verifier ??= createVerifier().catch((error: unknown) => {
    verifier = undefined;
    throw error;
  });
  let identity;
  try {
    identity = await (await verifier)(token);
  } catch (error) {
    if (error instanceof InvalidTokenError) {
      logger.info('connection refused', { reason: error.message });
      throw unauthorized();
    }
    throw error;
  }
  if (identity.deviceId !== undefined && device !== undefined && identity.deviceId !== device) {
    logger.info('connection refused', { reason: 'token is bound to another device', userId: identity.userId });
    throw unauthorized();
  }
  const tooLong = lifetimeRefusal(identity, Math.floor(Date.now() / 1000), maxTokenLifetimeSeconds);
  if (tooLong) {
    logger.info('connection refused', { reason: tooLong, userId: identity.userId });
    throw unauthorized();
  }
  const deviceId = device ?? identity.deviceId ?? 'default';
  return {
    principalId: identity.userId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
    },
    context: { userId: identity.userId, deviceId, tokenExp: identity.expiresAt },
  };
}

/** API Gateway answers the handshake with 403 to a policy that denies it. */
const deny = (methodArn: string): APIGatewayAuthorizerResult => ({
  principalId: 'refused',
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: methodArn }] },
});
