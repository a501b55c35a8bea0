import * as z from 'zod';
import { DEFAULT_MAX_CONNECTIONS_PER_USER, USER_RATE_CLASS_NAMES, USER_RATE_CLASSES, type UserRateClass } from '@serverless-im/protocol';
import { closestName } from './closest-name.js';

/**
 * How `$connect` verifies the JWT: a shared HS256 secret, an OIDC issuer's JWKS, or a Cognito
 * user pool (whose access tokens carry `client_id` and `token_use` instead of `aud`).
 */
export type AuthConfig =
  | { mode: 'hs256'; issuer: string; audience: string }
  | { mode: 'oidc'; issuer: string; audience: string; jwksUrl: string }
  | { mode: 'cognito'; userPoolId: string; clientId: string; tokenUse: CognitoTokenUse };

/** Which Cognito token clients send: the access token (what APIs are meant to take) or the ID token. */
export type CognitoTokenUse = 'access' | 'id';

/** The push services of `registerPush` (the protocol's names). */
export const PUSH_PLATFORM_NAMES = ['apns', 'apns-sandbox', 'fcm'] as const;
export type PushPlatformName = (typeof PUSH_PLATFORM_NAMES)[number];

/**
 * Where a push platform's SNS platform application comes from: an application that exists (its
 * ARN), or, when none is given, the application named `<stack>-<platform>` in the stack's account
 * and region (create it in the SNS console; docs/deployment.md, "Push notifications"). Until it
 * exists, `registerPush` for the platform answers `platformNotConfigured`.
 */
export type PushApplicationSource = { kind: 'arn'; arn: string } | { kind: 'named' };

export interface PushConfig {
  /** What a notification shows: the message text, only who sent it, or neither (Apple and Google see no content). */
  preview: 'full' | 'sender' | 'none';
  /** Large groups (read fan-out) notify mentioned members only, or every member. */
  largeGroups: 'mentions' | 'all';
  applications: Record<PushPlatformName, PushApplicationSource>;
}

/** Deployment settings, read from CDK context (`cdk deploy -c stage=prod ...`) or given as props. */
export interface ImConfig {
  /** API Gateway stage name; also part of the wss:// URL. `prod` turns on the safer defaults. */
  stageName: string;
  auth: AuthConfig;
  /** Keep tables (and their data) when the stack is deleted. */
  retainData: boolean;
  /** DynamoDB deletion protection on every table (a table cannot be deleted until it is turned off). */
  deletionProtection: boolean;
  /** Groups with more members than this are delivered by read fan-out (docs/protocol.md, "Large groups"). */
  largeGroupThreshold: number;
  /** The most members a group may have. */
  maxGroupMembers: number;
  /** How long after sending its sender may `edit` a message, in hours (0: never). */
  editWindowHours: number;
  /** How long after sending its sender may `recall` a message, in hours (0: never; a group owner may always). */
  recallWindowHours: number;
  /** Stage throttling for every route: steady requests per second and burst. */
  throttle: { rateLimit: number; burstLimit: number };
  /** Stage throttling of the server API (the company's backend): requests per second and burst. */
  serverApiThrottle: { rateLimit: number; burstLimit: number };
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
  /** Photos, videos, voice notes and files (docs/protocol.md, "Attachments"). */
  attachments: AttachmentConfig;
  /** Offline push notifications (APNs and FCM through Amazon SNS). */
  push: PushConfig;
  /** Events on the stack's EventBridge bus (docs/events.md). */
  events: EventsConfig;
  /** The company's moderation function, asked before a message or an edit is stored (docs/moderation.md); none when absent. */
  moderation?: ModerationConfig;
  /** What `DELETE /v1/users/{id}` does to the messages the user sent (docs/server-api.md). */
  erasure: 'anonymize' | 'recall';
  /** Per-user and per-connection limits (docs/protocol.md, "Rate limits"). */
  limits: LimitsConfig;
}

export interface LimitsConfig {
  /** `send`s per user per minute, all devices together (`sendRate`). */
  sendsPerMinute: number;
  /** Requests per user per minute of each action class (`userRate`; USER_RATE_CLASSES in the protocol package). */
  perMinute: Record<UserRateClass, number>;
  /** Live connections one user may hold: the next `$connect` is refused with 429. */
  maxConnectionsPerUser: number;
  /** The longest token lifetime `$connect` accepts (exp - iat, and exp - now), in seconds. */
  maxTokenLifetimeSeconds: number;
  /** Origins whose pages may open a connection (`Origin` of the handshake); empty: any. A handshake without `Origin` (not a browser) is allowed. */
  allowedOrigins: string[];
}

export interface ModerationConfig {
  /** The Lambda function's ARN (optionally qualified by a version or alias); the only one the stack may invoke. */
  functionArn: string;
  /** How long a send or an edit waits for the answer, in ms. */
  timeoutMs: number;
  /** What a failure, a late answer or an answer that is no decision amounts to. */
  fallback: 'allow' | 'deny';
}

/** IVS Chat's review handler also lets a message through when the handler fails: messaging stays up. */
export const DEFAULT_MODERATION_FALLBACK = 'allow';
export const DEFAULT_MODERATION_TIMEOUT_MS = 500;

export interface EventsConfig {
  /** Put message bodies into `message.sent` and `message.updated` events (off: ids, kinds and metadata only). */
  includeBody: boolean;
}

export interface AttachmentConfig {
  /** The largest attachment, in MB (2^20 bytes): `attachmentUpload` answers TOO_LARGE above it. */
  maxMB: number;
  /** The content types `attachmentUpload` accepts (lower case, no parameters); others are BAD_REQUEST. */
  contentTypes: string[];
  /** How many MB one user may upload per UTC day: RATE_LIMITED beyond. */
  dailyQuotaMB: number;
  /** Web origins whose pages may upload and download (the bucket's CORS), each may hold one `*`. */
  origins: string[];
}

/** Images, video, audio, PDF and common documents. No SVG or HTML: both can carry script. */
export const DEFAULT_ATTACHMENT_CONTENT_TYPES = [
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/heic',
  'image/heif',
  'video/mp4',
  'video/quicktime',
  'video/webm',
  'audio/mpeg',
  'audio/mp4',
  'audio/aac',
  'audio/ogg',
  'audio/webm',
  'audio/wav',
  'application/pdf',
  'text/plain',
  'text/csv',
  'application/zip',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
];

/** Pages on this machine: the local cloud's web page, a dev server. */
export const DEFAULT_ATTACHMENT_ORIGINS = ['http://127.0.0.1:*', 'http://localhost:*'];

export const DEFAULT_ISSUER = 'serverless-im';
export const DEFAULT_AUDIENCE = 'serverless-im';

/** The retention periods CloudWatch Logs accepts (days). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Keys this app no longer reads, with what to do instead: refusing them beats ignoring them. */
const RETIRED_KEYS: Record<string, string> = {
  messageRetentionDays:
    'Context messageRetentionDays is not supported: chat messages are kept until deleted (see docs/deployment.md, "Data retention"). ' +
    'For how long an undelivered fan-out job stays queued, use -c fanOutRetentionDays=1..14.',
};

/**
 * Context the CDK itself (or another library) puts next to ours: `aws:cdk:*` settings of the CLI,
 * `@aws-cdk/...` feature flags from cdk.json, context-provider caches such as
 * `availability-zones:account=...` from cdk.context.json, and the CLI's acknowledged notices.
 * This app's keys are plain camelCase names, so a namespaced key is never a typo of one of them.
 */
export function isFrameworkContextKey(key: string): boolean {
  return key.includes(':') || key.includes('/') || key.startsWith('@') || key === 'acknowledged-issue-numbers';
}

/**
 * A context value as text: `-c` gives strings, cdk.json may give numbers and booleans. Empty
 * means unset; `null` marks a value of another type (an object or list), which no setting takes.
 */
function contextText(raw: unknown): string | undefined | null {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw === 'string') return raw.trim();
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return null;
}

/**
 * One setting: its text parsed into a value, or an issue whose message is what the key accepts.
 * Unset stays undefined, so defaults (some depend on other keys) are applied in one place below.
 */
function setting<T>(expected: string, parse: (text: string) => T | undefined) {
  return z
    .unknown()
    .transform((raw, ctx): T | undefined => {
      const text = contextText(raw);
      if (text === undefined) return undefined;
      const value = text === null ? undefined : parse(text);
      if (value === undefined) {
        ctx.addIssue({ code: 'custom', message: expected });
        return z.NEVER;
      }
      return value;
    })
    .optional();
}

const matching = (pattern: RegExp) => (text: string) => (pattern.test(text) ? text : undefined);
const oneOf =
  <T extends string>(values: readonly T[]) =>
  (text: string) =>
    (values as readonly string[]).includes(text) ? (text as T) : undefined;
const booleanSetting = () => setting('true or false', (text) => (text === 'true' ? true : text === 'false' ? false : undefined));
const wholeNumberText = (text: string) => (/^-?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : undefined);
const wholeNumber = (min: number, max: number) =>
  setting(`a whole number from ${min} to ${max}`, (text) => {
    const number = wholeNumberText(text);
    return number !== undefined && number >= min && number <= max ? number : undefined;
  });
/** A comma-separated list whose every entry passes `entry`; empty entries are dropped. */
const listOf = (expected: string, entry: (text: string) => boolean) =>
  setting(expected, (text) => {
    const entries = text.split(',').map((part) => part.trim()).filter(Boolean);
    return entries.length > 0 && entries.every(entry) ? [...new Set(entries)] : undefined;
  });
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
/** An origin (`https://chat.example.com`, `http://localhost:5173`) with at most one `*` (S3 CORS allows one). */
const ORIGIN = /^https?:\/\/[A-Za-z0-9.*-]+(:(\d{1,5}|\*))?$/;
const httpsUrl = (text: string) => (z.url({ protocol: /^https$/ }).safeParse(text).success ? text : undefined);

/** SNS's platform application ARNs; the name is what SNS allows (letters, digits, `_`, `-`, `.`). */
const applicationArn = (platform: 'APNS' | 'APNS_SANDBOX' | 'GCM'): RegExp =>
  new RegExp(`^arn:aws(?:-[a-z]+)*:sns:[a-z]{2}(?:-[a-z]+)+-\\d:\\d{12}:app/${platform}/[A-Za-z0-9_.-]{1,256}$`);

/** A Lambda function ARN, optionally with a version or alias (Lambda's own name rules). */
const LAMBDA_FUNCTION_ARN = /^arn:aws(?:-[a-z]+)*:lambda:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:function:[A-Za-z0-9_-]{1,64}(?::(?:\$LATEST|[A-Za-z0-9_-]{1,128}))?$/;

/** A user pool id starts with its region, so the issuer never depends on where the CLI runs. */
const USER_POOL_ID = /^([a-z]{2}(?:-[a-z]+)+-\d)_[A-Za-z0-9]+$/;

/** Every context key the app reads, and what each accepts; documented in README.md ("Configuration"). */
const contextShape = {
  stage: setting('letters, digits, - and _ (at most 128 characters)', matching(/^[A-Za-z0-9_-]{1,128}$/)),
  auth: setting('hs256, oidc or cognito', oneOf(['hs256', 'oidc', 'cognito'] as const)),
  jwtIssuer: setting('an issuer name', matching(/^\S{1,1024}$/)),
  jwtAudience: setting('an audience name', matching(/^\S{1,1024}$/)),
  jwksUrl: setting('an https:// URL', httpsUrl),
  cognitoUserPoolId: setting('a user pool id such as eu-west-1_AbC123', matching(USER_POOL_ID)),
  cognitoClientId: setting('an app client id (letters, digits, _ and +, at most 128)', matching(/^[\w+]{1,128}$/)),
  cognitoTokenUse: setting('access or id', oneOf(['access', 'id'] as const)),
  retainData: booleanSetting(),
  deletionProtection: booleanSetting(),
  largeGroupThreshold: setting('a whole number from 1 to maxGroupMembers', wholeNumberText),
  maxGroupMembers: wholeNumber(2, 1_000_000),
  editWindowHours: wholeNumber(0, 8_760),
  recallWindowHours: wholeNumber(0, 8_760),
  throttleRate: wholeNumber(1, 10_000),
  throttleBurst: wholeNumber(1, 5_000),
  serverApiThrottleRate: wholeNumber(1, 10_000),
  serverApiThrottleBurst: wholeNumber(1, 5_000),
  logRetentionDays: setting(`one of ${LOG_RETENTION_DAYS.join(', ')}`, (text) => {
    const days = wholeNumberText(text);
    return days !== undefined && (LOG_RETENTION_DAYS as readonly number[]).includes(days) ? days : undefined;
  }),
  // SQS event sources accept a maximum concurrency from 2 to 1000.
  fanOutMaxConcurrency: wholeNumber(2, 1_000),
  fanOutRetentionDays: wholeNumber(1, 14),
  alarmEmail: setting('an email address', (text) => (z.email().safeParse(text).success ? text : undefined)),
  apiGatewayLogsRole: booleanSetting(),
  // S3 takes single uploads up to 5 GiB.
  maxAttachmentMB: wholeNumber(1, 5_120),
  attachmentContentTypes: listOf('a comma-separated list of lower-case MIME types such as image/png,application/pdf', (text) => CONTENT_TYPE.test(text)),
  attachmentDailyQuotaMB: setting('a whole number from maxAttachmentMB to 10000000', wholeNumberText),
  attachmentOrigins: listOf('a comma-separated list of origins such as https://chat.example.com (one * at most each)', (text) => ORIGIN.test(text) && text.split('*').length <= 2),
  pushPreview: setting('full, sender or none', oneOf(['full', 'sender', 'none'] as const)),
  largeGroupPush: setting('mentions or all', oneOf(['mentions', 'all'] as const)),
  apnsPlatformApplicationArn: setting('an SNS platform application ARN (arn:aws:sns:REGION:ACCOUNT:app/APNS/NAME)', matching(applicationArn('APNS'))),
  apnsSandboxPlatformApplicationArn: setting(
    'an SNS platform application ARN (arn:aws:sns:REGION:ACCOUNT:app/APNS_SANDBOX/NAME)',
    matching(applicationArn('APNS_SANDBOX')),
  ),
  fcmPlatformApplicationArn: setting('an SNS platform application ARN (arn:aws:sns:REGION:ACCOUNT:app/GCM/NAME)', matching(applicationArn('GCM'))),
  eventBodies: booleanSetting(),
  sendsPerMinute: wholeNumber(1, 100_000),
  ...(Object.fromEntries(USER_RATE_CLASS_NAMES.map((name) => [`${name}PerMinute`, wholeNumber(1, 100_000)])) as Record<
    `${UserRateClass}PerMinute`,
    ReturnType<typeof wholeNumber>
  >),
  maxConnectionsPerUser: wholeNumber(1, 1_000),
  // At least a minute; at most 30 days.
  maxTokenLifetimeSeconds: wholeNumber(60, 30 * 24 * 60 * 60),
  allowedOrigins: listOf('a comma-separated list of origins such as https://chat.example.com (one * at most each)', (text) => ORIGIN.test(text) && text.split('*').length <= 2),
  moderationFunctionArn: setting('a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:ALIAS])', matching(LAMBDA_FUNCTION_ARN)),
  // Well inside the send function's 10 s, which also bounds a retry's takeover.
  moderationTimeoutMs: wholeNumber(10, 5_000),
  moderationFallback: setting('allow or deny', oneOf(['allow', 'deny'] as const)),
  erasure: setting('anonymize or recall', oneOf(['anonymize', 'recall'] as const)),
};

export const CONTEXT_KEYS = Object.keys(contextShape) as (keyof typeof contextShape)[];

type Settings = z.output<z.ZodObject<typeof contextShape>>;
type IssueSink = Pick<z.RefinementCtx, 'addIssue'>;

/** An issue that is a whole sentence, not "expected ..." for the value of one key. */
const sentence = (ctx: IssueSink, message: string): void => ctx.addIssue({ code: 'custom', message, params: { sentence: true } });
const expected = (ctx: IssueSink, key: keyof Settings, message: string): void => ctx.addIssue({ code: 'custom', path: [key], message });

function authOf(settings: Settings, ctx: IssueSink): AuthConfig {
  const { auth, jwtIssuer, jwtAudience, jwksUrl, cognitoUserPoolId, cognitoClientId, cognitoTokenUse } = settings;
  // `auth=oidc` with a pool id is how earlier versions spelled Cognito mode.
  const cognito = auth === 'cognito' || cognitoUserPoolId !== undefined;
  if (cognito) {
    if (auth === 'hs256') sentence(ctx, 'auth=hs256 and cognitoUserPoolId contradict each other: drop one of them.');
    if (!cognitoUserPoolId) sentence(ctx, 'auth=cognito needs -c cognitoUserPoolId=<region>_<id>.');
    if (!cognitoClientId) {
      sentence(ctx, 'Cognito mode needs -c cognitoClientId=<app client id>: access tokens carry it as client_id (they have no aud, so jwtAudience cannot check them).');
    }
    for (const [key, value] of Object.entries({ jwtIssuer, jwtAudience, jwksUrl })) {
      if (value !== undefined) sentence(ctx, `${key} does not apply in Cognito mode: the issuer and keys follow from cognitoUserPoolId, the app from cognitoClientId.`);
    }
    return { mode: 'cognito', userPoolId: cognitoUserPoolId ?? '', clientId: cognitoClientId ?? '', tokenUse: cognitoTokenUse ?? 'access' };
  }
  for (const [key, value] of Object.entries({ cognitoClientId, cognitoTokenUse })) {
    if (value !== undefined) sentence(ctx, `${key} only applies with -c cognitoUserPoolId=...`);
  }
  const audience = jwtAudience ?? DEFAULT_AUDIENCE;
  if (auth === 'oidc') {
    if (!jwtIssuer) {
      sentence(ctx, 'auth=oidc needs -c jwtIssuer=https://... (and optionally -c jwksUrl=...)');
      return { mode: 'oidc', issuer: '', audience, jwksUrl: '' };
    }
    if (!httpsUrl(jwtIssuer)) expected(ctx, 'jwtIssuer', 'an https:// URL (auth=oidc)');
    return { mode: 'oidc', issuer: jwtIssuer, audience, jwksUrl: jwksUrl ?? `${jwtIssuer.replace(/\/$/, '')}/.well-known/jwks.json` };
  }
  if (jwksUrl !== undefined) sentence(ctx, 'jwksUrl only applies with -c auth=oidc.');
  return { mode: 'hs256', issuer: jwtIssuer ?? DEFAULT_ISSUER, audience };
}

function pushOf(settings: Settings): PushConfig {
  const source = (arn: string | undefined): PushApplicationSource => (arn !== undefined ? { kind: 'arn', arn } : { kind: 'named' });
  return {
    preview: settings.pushPreview ?? 'full',
    largeGroups: settings.largeGroupPush ?? 'mentions',
    applications: {
      apns: source(settings.apnsPlatformApplicationArn),
      'apns-sandbox': source(settings.apnsSandboxPlatformApplicationArn),
      fcm: source(settings.fcmPlatformApplicationArn),
    },
  };
}

function limitsOf(settings: Settings): LimitsConfig {
  const perMinute = Object.fromEntries(
    USER_RATE_CLASS_NAMES.map((name) => [name, settings[`${name}PerMinute`] ?? USER_RATE_CLASSES[name].perMinute]),
  ) as Record<UserRateClass, number>;
  return {
    sendsPerMinute: settings.sendsPerMinute ?? 60,
    perMinute,
    maxConnectionsPerUser: settings.maxConnectionsPerUser ?? DEFAULT_MAX_CONNECTIONS_PER_USER,
    maxTokenLifetimeSeconds: settings.maxTokenLifetimeSeconds ?? 24 * 60 * 60,
    allowedOrigins: settings.allowedOrigins ?? [],
  };
}

function moderationOf(settings: Settings, ctx: IssueSink): ModerationConfig | undefined {
  const { moderationFunctionArn, moderationTimeoutMs, moderationFallback } = settings;
  if (moderationFunctionArn === undefined) {
    for (const [key, value] of Object.entries({ moderationTimeoutMs, moderationFallback })) {
      if (value !== undefined) sentence(ctx, `${key} only applies with -c moderationFunctionArn=arn:aws:lambda:...`);
    }
    return undefined;
  }
  return { functionArn: moderationFunctionArn, timeoutMs: moderationTimeoutMs ?? DEFAULT_MODERATION_TIMEOUT_MS, fallback: moderationFallback ?? DEFAULT_MODERATION_FALLBACK };
}

function toConfig(settings: Settings, ctx: IssueSink): ImConfig {
  const stageName = settings.stage ?? 'dev';
  const prod = stageName === 'prod';
  const maxGroupMembers = settings.maxGroupMembers ?? 100_000;
  const largeGroupThreshold = settings.largeGroupThreshold ?? 500;
  if (largeGroupThreshold < 1 || largeGroupThreshold > maxGroupMembers) {
    expected(ctx, 'largeGroupThreshold', `a whole number from 1 to ${maxGroupMembers}`);
  }
  const maxAttachmentMB = settings.maxAttachmentMB ?? 100;
  const dailyQuotaMB = settings.attachmentDailyQuotaMB ?? Math.max(2_048, maxAttachmentMB);
  if (dailyQuotaMB < maxAttachmentMB || dailyQuotaMB > 10_000_000) {
    expected(ctx, 'attachmentDailyQuotaMB', `a whole number from maxAttachmentMB (${maxAttachmentMB}) to 10000000`);
  }
  const moderation = moderationOf(settings, ctx);
  return {
    stageName,
    auth: authOf(settings, ctx),
    retainData: settings.retainData ?? prod,
    deletionProtection: settings.deletionProtection ?? prod,
    largeGroupThreshold,
    maxGroupMembers,
    editWindowHours: settings.editWindowHours ?? 24,
    recallWindowHours: settings.recallWindowHours ?? 24,
    throttle: { rateLimit: settings.throttleRate ?? 500, burstLimit: settings.throttleBurst ?? 1_000 },
    serverApiThrottle: { rateLimit: settings.serverApiThrottleRate ?? 100, burstLimit: settings.serverApiThrottleBurst ?? 200 },
    logRetentionDays: settings.logRetentionDays ?? 30,
    fanOutMaxConcurrency: settings.fanOutMaxConcurrency ?? 10,
    fanOutRetentionDays: settings.fanOutRetentionDays ?? 4,
    manageAccountLogsRole: settings.apiGatewayLogsRole ?? true,
    push: pushOf(settings),
    limits: limitsOf(settings),
    events: { includeBody: settings.eventBodies ?? false },
    ...(moderation ? { moderation } : {}),
    erasure: settings.erasure ?? 'anonymize',
    ...(settings.alarmEmail !== undefined ? { alarmEmail: settings.alarmEmail } : {}),
    attachments: {
      maxMB: maxAttachmentMB,
      contentTypes: settings.attachmentContentTypes ?? DEFAULT_ATTACHMENT_CONTENT_TYPES,
      dailyQuotaMB,
      origins: settings.attachmentOrigins ?? DEFAULT_ATTACHMENT_ORIGINS,
    },
  };
}

/**
 * The one schema of the CDK context: every key of this app with what it accepts, no other key
 * (a typo such as `alarmEmial` is refused, not ignored), then defaults and the rules between keys.
 */
export const contextSchema = z
  .preprocess(
    (context) => Object.fromEntries(Object.entries(context as Record<string, unknown>).filter(([key]) => !isFrameworkContextKey(key))),
    z.strictObject(contextShape),
  )
  .transform(toConfig);

/** Context that stops synth: the message names each bad key and says what it accepts. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `The CDK context has ${problems.length} problems:\n${problems.map((problem) => `- ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function unknownKeyProblem(key: string): string {
  const retired = RETIRED_KEYS[key];
  if (retired) return retired;
  const suggestion = closestName(key, CONTEXT_KEYS);
  return `Unknown CDK context key "${key}"${suggestion ? `: did you mean "${suggestion}"?` : '.'} Known keys: ${CONTEXT_KEYS.join(', ')}.`;
}

function describe(issue: z.core.$ZodIssue, context: Record<string, unknown>): string[] {
  if (issue.code === 'unrecognized_keys') return issue.keys.map(unknownKeyProblem);
  if (issue.code === 'custom' && issue.params?.sentence) return [issue.message];
  const key = String(issue.path[0] ?? 'context');
  return [`Invalid CDK context ${key}=${JSON.stringify(context[key])}: expected ${issue.message}.`];
}

type ContextSource = { node: { getAllContext(): Record<string, unknown> } };

/**
 * Reads and validates the deployment settings. Every bad value and every unknown key stops
 * `cdk synth` with an error naming the key, before anything reaches CloudFormation.
 */
export function configFromContext(app: ContextSource): ImConfig {
  const context = app.node.getAllContext();
  const result = contextSchema.safeParse(context);
  if (!result.success) throw new ConfigError(result.error.issues.flatMap((issue) => describe(issue, context)));
  return result.data;
}
