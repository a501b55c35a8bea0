import type { App } from 'aws-cdk-lib';

/** How `$connect` verifies the JWT: a shared HS256 secret, or an OIDC/Cognito issuer's JWKS. */
export type AuthConfig =
  | { mode: 'hs256'; issuer: string; audience: string }
  | { mode: 'oidc'; issuer: string; audience: string; jwksUrl: string };

/** Deployment settings, read from CDK context (`cdk deploy -c stage=prod ...`) or given as props. */
export interface ImConfig {
  /** API Gateway stage name; also part of the wss:// URL. */
  stageName: string;
  auth: AuthConfig;
  /** Keep tables (and their data) when the stack is deleted. */
  retainData: boolean;
  /** Groups with more members than this are delivered by read fan-out (PROTOCOL.md "Large groups"). */
  largeGroupThreshold: number;
  /** The most members a group may have. */
  maxGroupMembers: number;
}

export const DEFAULT_ISSUER = 'serverless-im';
export const DEFAULT_AUDIENCE = 'serverless-im';

function contextString(app: App, key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}

export function configFromContext(app: App): ImConfig {
  const issuer = contextString(app, 'jwtIssuer');
  const audience = contextString(app, 'jwtAudience') ?? DEFAULT_AUDIENCE;
  const cognitoPoolId = contextString(app, 'cognitoUserPoolId');
  const region = contextString(app, 'region') ?? process.env.CDK_DEFAULT_REGION ?? 'us-east-1';
  let auth: AuthConfig;
  if (cognitoPoolId) {
    const cognitoIssuer = `https://cognito-idp.${region}.amazonaws.com/${cognitoPoolId}`;
    auth = { mode: 'oidc', issuer: cognitoIssuer, audience, jwksUrl: `${cognitoIssuer}/.well-known/jwks.json` };
  } else if (contextString(app, 'auth') === 'oidc') {
    if (!issuer) throw new Error('auth=oidc needs -c jwtIssuer=https://... (and optionally -c jwksUrl=...)');
    const jwksUrl = contextString(app, 'jwksUrl') ?? `${issuer.replace(/\/$/, '')}/.well-known/jwks.json`;
    auth = { mode: 'oidc', issuer, audience, jwksUrl };
  } else {
    auth = { mode: 'hs256', issuer: issuer ?? DEFAULT_ISSUER, audience };
  }
  return {
    stageName: contextString(app, 'stage') ?? 'dev',
    auth,
    retainData: contextString(app, 'retainData') === 'true',
    largeGroupThreshold: Number(contextString(app, 'largeGroupThreshold') ?? 500),
    maxGroupMembers: Number(contextString(app, 'maxGroupMembers') ?? 100_000),
  };
}
