import type { App } from 'aws-cdk-lib';

/** How `$connect` verifies the JWT: a shared HS256 secret, or an OIDC/Cognito issuer's JWKS. */
export type AuthConfig =
  | { mode: 'hs256'; issuer: string; audience: string }
  | { mode: 'oidc'; issuer: string; audience: string; jwksUrl: string };

/** Deployment settings, read from CDK context (`cdk deploy -c stage=prod ...`) or given as props. */
export interface ImConfig {
  /** API Gateway stage name; also part of the wss:// URL. `prod` turns on the safer defaults. */
  stageName: string;
  auth: AuthConfig;
  /** Keep tables (and their data) when the stack is deleted. */
  retainData: boolean;
  /** DynamoDB deletion protection on every table (a table cannot be deleted until it is turned off). */
  deletionProtection: boolean;
  /** Groups with more members than this are delivered by read fan-out (PROTOCOL.md "Large groups"). */
  largeGroupThreshold: number;
  /** The most members a group may have. */
  maxGroupMembers: number;
  /** Stage throttling for every route: steady requests per second and burst. */
  throttle: { rateLimit: number; burstLimit: number };
  /** Retention of every log group (Lambda logs and API access logs), in days. */
  logRetentionDays: number;
  /** How many fan-out workers may run at once (SQS event source maximum concurrency). */
  fanOutMaxConcurrency: number;
  /** How long an undelivered fan-out job stays on the queue, in days (SQS allows 1 to 14). */
  fanOutRetentionDays: number;
  /** Set the account's API Gateway CloudWatch Logs role (WebSocket access logs need one). */
  manageAccountLogsRole: boolean;
  /** Where alarm notifications go (an SNS topic with an email subscription); none when absent. */
  alarmEmail?: string;
}

export const DEFAULT_ISSUER = 'serverless-im';
export const DEFAULT_AUDIENCE = 'serverless-im';

/** The retention periods CloudWatch Logs accepts (days). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Every context key the app reads; documented in README.md ("Configuration"). */
export const CONTEXT_KEYS = [
  'stage',
  'auth',
  'jwtIssuer',
  'jwtAudience',
  'jwksUrl',
  'cognitoUserPoolId',
  'retainData',
  'deletionProtection',
  'largeGroupThreshold',
  'maxGroupMembers',
  'throttleRate',
  'throttleBurst',
  'logRetentionDays',
  'fanOutMaxConcurrency',
  'fanOutRetentionDays',
  'alarmEmail',
  'apiGatewayLogsRole',
] as const;

/** A context value that is wrong: synth stops with a message naming the key and what it accepts. */
export class ConfigError extends Error {
  constructor(key: string, value: unknown, expected: string) {
    super(`Invalid CDK context ${key}=${JSON.stringify(value)}: expected ${expected}.`);
    this.name = 'ConfigError';
  }
}

type ContextReader = Pick<App['node'], 'tryGetContext'>;

function contextString(node: ContextReader, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  return String(value).trim();
}

function contextBoolean(node: ContextReader, key: string, fallback: boolean): boolean {
  const value = contextString(node, key);
  if (value === undefined) return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigError(key, value, 'true or false');
}

function contextInteger(node: ContextReader, key: string, fallback: number, min: number, max: number): number {
  const value = contextString(node, key);
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(number) || number < min || number > max) {
    throw new ConfigError(key, value, `a whole number from ${min} to ${max}`);
  }
  return number;
}

function httpsUrl(key: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(key, value, 'an https:// URL');
  }
  if (url.protocol !== 'https:') throw new ConfigError(key, value, 'an https:// URL');
  return value;
}

function authFromContext(node: ContextReader): AuthConfig {
  const mode = contextString(node, 'auth');
  if (mode !== undefined && mode !== 'hs256' && mode !== 'oidc') throw new ConfigError('auth', mode, 'hs256 or oidc');
  const issuer = contextString(node, 'jwtIssuer');
  const audience = contextString(node, 'jwtAudience') ?? DEFAULT_AUDIENCE;
  const cognitoPoolId = contextString(node, 'cognitoUserPoolId');
  if (cognitoPoolId) {
    const match = /^([a-z]{2}(?:-[a-z]+)+-\d)_[A-Za-z0-9]+$/.exec(cognitoPoolId);
    if (!match) throw new ConfigError('cognitoUserPoolId', cognitoPoolId, 'a user pool id such as eu-west-1_AbC123');
    // A pool id starts with its region, so the issuer never depends on where the CLI runs.
    const cognitoIssuer = `https://cognito-idp.${match[1]}.amazonaws.com/${cognitoPoolId}`;
    return { mode: 'oidc', issuer: cognitoIssuer, audience, jwksUrl: `${cognitoIssuer}/.well-known/jwks.json` };
  }
  if (mode === 'oidc') {
    if (!issuer) throw new Error('auth=oidc needs -c jwtIssuer=https://... (and optionally -c jwksUrl=...)');
    httpsUrl('jwtIssuer', issuer);
    const jwksUrl = contextString(node, 'jwksUrl') ?? `${issuer.replace(/\/$/, '')}/.well-known/jwks.json`;
    return { mode: 'oidc', issuer, audience, jwksUrl: httpsUrl('jwksUrl', jwksUrl) };
  }
  return { mode: 'hs256', issuer: issuer ?? DEFAULT_ISSUER, audience };
}

/**
 * Reads and validates the deployment settings. Every bad value stops `cdk synth` with an error
 * naming the context key, before anything reaches CloudFormation.
 */
export function configFromContext(app: { node: ContextReader }): ImConfig {
  const { node } = app;
  const stageName = contextString(node, 'stage') ?? 'dev';
  // API Gateway stage names: letters, digits, hyphens and underscores, at most 128 characters.
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(stageName)) {
    throw new ConfigError('stage', stageName, 'letters, digits, - and _ (at most 128 characters)');
  }
  const prod = stageName === 'prod';

  if (contextString(node, 'messageRetentionDays') !== undefined) {
    throw new Error(
      'Context messageRetentionDays is not supported: chat messages are kept until deleted (see docs/deployment.md, "Data retention"). ' +
        'For how long an undelivered fan-out job stays queued, use -c fanOutRetentionDays=1..14.',
    );
  }

  const rateLimit = contextInteger(node, 'throttleRate', 500, 1, 10_000);
  const burstLimit = contextInteger(node, 'throttleBurst', 1_000, 1, 5_000);
  const logRetentionDays = contextInteger(node, 'logRetentionDays', 30, 1, 3653);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    throw new ConfigError('logRetentionDays', logRetentionDays, `one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
  const maxGroupMembers = contextInteger(node, 'maxGroupMembers', 100_000, 2, 1_000_000);
  const largeGroupThreshold = contextInteger(node, 'largeGroupThreshold', 500, 1, maxGroupMembers);

  const alarmEmail = contextString(node, 'alarmEmail');
  if (alarmEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(alarmEmail)) {
    throw new ConfigError('alarmEmail', alarmEmail, 'an email address');
  }

  return {
    stageName,
    auth: authFromContext(node),
    retainData: contextBoolean(node, 'retainData', prod),
    deletionProtection: contextBoolean(node, 'deletionProtection', prod),
    largeGroupThreshold,
    maxGroupMembers,
    throttle: { rateLimit, burstLimit },
    logRetentionDays,
    // SQS event sources accept a maximum concurrency from 2 to 1000.
    fanOutMaxConcurrency: contextInteger(node, 'fanOutMaxConcurrency', 10, 2, 1_000),
    fanOutRetentionDays: contextInteger(node, 'fanOutRetentionDays', 4, 1, 14),
    manageAccountLogsRole: contextBoolean(node, 'apiGatewayLogsRole', true),
    ...(alarmEmail !== undefined ? { alarmEmail } : {}),
  };
}
