import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { CONTEXT_KEYS, configFromContext, DEFAULT_ATTACHMENT_CONTENT_TYPES, DEFAULT_ATTACHMENT_ORIGINS } from '../../lib/config.js';

const configOf = (context: Record<string, unknown>) => configFromContext(new App({ context }));

const cognito = { cognitoUserPoolId: 'eu-west-1_AbC123', cognitoClientId: '5d1uexampleclientid0000abcd' };

describe('configuration from CDK context', () => {
  it('has safe defaults for a dev stage', () => {
    expect(configOf({})).toEqual({
      stageName: 'dev',
      auth: { mode: 'hs256', issuer: 'serverless-im', audience: 'serverless-im' },
      retainData: false,
      deletionProtection: false,
      largeGroupThreshold: 500,
      maxGroupMembers: 100_000,
      editWindowHours: 24,
      recallWindowHours: 24,
      throttle: { rateLimit: 500, burstLimit: 1000 },
      serverApiThrottle: { rateLimit: 100, burstLimit: 200 },
      logRetentionDays: 30,
      fanOutMaxConcurrency: 10,
      fanOutRetentionDays: 4,
      manageAccountLogsRole: true,
      attachments: { maxMB: 100, contentTypes: DEFAULT_ATTACHMENT_CONTENT_TYPES, dailyQuotaMB: 2048, origins: DEFAULT_ATTACHMENT_ORIGINS },
      push: { preview: 'full', largeGroups: 'mentions', applications: { apns: { kind: 'named' }, 'apns-sandbox': { kind: 'named' }, fcm: { kind: 'named' } } },
      events: { includeBody: false },
      limits: {
        sendsPerMinute: 60,
        perMinute: { groupChanges: 30, typing: 120, presence: 60, reads: 300, sync: 300, messageChanges: 60, safety: 30, attachments: 60, settings: 30 },
        maxConnectionsPerUser: 10,
        maxTokenLifetimeSeconds: 86_400,
        allowedOrigins: [],
      },
      erasure: 'anonymize',
    });
  });

  it('reads the limits: per-user rates by class, connections per user, token lifetime, origins', () => {
    const limits = configOf({
      sendsPerMinute: '20',
      typingPerMinute: 10,
      groupChangesPerMinute: '5',
      maxConnectionsPerUser: '3',
      maxTokenLifetimeSeconds: '3600',
      allowedOrigins: 'https://chat.example.com, http://localhost:*',
    }).limits;
    expect(limits).toMatchObject({ sendsPerMinute: 20, maxConnectionsPerUser: 3, maxTokenLifetimeSeconds: 3600, allowedOrigins: ['https://chat.example.com', 'http://localhost:*'] });
    expect(limits.perMinute).toMatchObject({ typing: 10, groupChanges: 5, presence: 60 });
    expect(() => configOf({ typingPerMinute: '0' })).toThrow(/typingPerMinute="0": expected a whole number from 1 to 100000/);
    expect(() => configOf({ maxConnectionsPerUser: 'ten' })).toThrow(/maxConnectionsPerUser="ten"/);
    expect(() => configOf({ maxTokenLifetimeSeconds: '30' })).toThrow(/maxTokenLifetimeSeconds="30": expected a whole number from 60/);
    expect(() => configOf({ allowedOrigins: 'chat.example.com' })).toThrow(/allowedOrigins/);
    expect(() => configOf({ typingPerMinut: '5' })).toThrow(/did you mean "typingPerMinute"/);
  });

  it('reads the moderation hook: a function ARN, its deadline and fallback (allow unless told)', () => {
    const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:moderate';
    expect(configOf({ moderationFunctionArn: arn }).moderation).toEqual({ functionArn: arn, timeoutMs: 500, fallback: 'allow' });
    expect(configOf({ moderationFunctionArn: `${arn}:live`, moderationTimeoutMs: '1500', moderationFallback: 'deny' }).moderation).toEqual({
      functionArn: `${arn}:live`,
      timeoutMs: 1500,
      fallback: 'deny',
    });
    expect(configOf({}).moderation).toBeUndefined();
    expect(() => configOf({ moderationFunctionArn: 'moderate' })).toThrow(/moderationFunctionArn="moderate": expected a Lambda function ARN/);
    expect(() => configOf({ moderationFunctionArn: 'arn:aws:sns:eu-west-1:123456789012:moderate' })).toThrow(/expected a Lambda function ARN/);
    expect(() => configOf({ moderationFunctionArn: arn, moderationTimeoutMs: '9000' })).toThrow(/moderationTimeoutMs="9000": expected a whole number from 10 to 5000/);
    expect(() => configOf({ moderationFunctionArn: arn, moderationFallback: 'maybe' })).toThrow(/moderationFallback="maybe": expected allow or deny/);
    expect(() => configOf({ moderationFallback: 'deny' })).toThrow(/moderationFallback only applies with -c moderationFunctionArn/);
    expect(() => configOf({ moderationTimeoutMs: '100' })).toThrow(/moderationTimeoutMs only applies with -c moderationFunctionArn/);
  });

  it('puts message bodies into events only when eventBodies says so', () => {
    expect(configOf({ eventBodies: 'true' }).events).toEqual({ includeBody: true });
    expect(configOf({ eventBodies: true }).events).toEqual({ includeBody: true });
    expect(configOf({ eventBodies: 'false' }).events).toEqual({ includeBody: false });
    expect(() => configOf({ eventBodies: 'yes' })).toThrow(/eventBodies="yes": expected true or false/);
  });

  it('reads the attachment settings: size, types, quota, origins', () => {
    expect(
      configOf({
        maxAttachmentMB: '25',
        attachmentContentTypes: 'image/png, application/pdf,image/png',
        attachmentDailyQuotaMB: 500,
        attachmentOrigins: 'https://chat.example.com,https://*.example.com',
      }).attachments,
    ).toEqual({ maxMB: 25, contentTypes: ['image/png', 'application/pdf'], dailyQuotaMB: 500, origins: ['https://chat.example.com', 'https://*.example.com'] });
    // The default quota is never below the largest attachment.
    expect(configOf({ maxAttachmentMB: '4096' }).attachments.dailyQuotaMB).toBe(4096);
  });

  it('reads the push settings: preview, large groups, and application ARNs of the right platform only', () => {
    const apns = 'arn:aws:sns:eu-west-1:123456789012:app/APNS/chat';
    const fcm = 'arn:aws:sns:eu-west-1:123456789012:app/GCM/chat';
    expect(configOf({ pushPreview: 'none', largeGroupPush: 'all', apnsPlatformApplicationArn: apns, fcmPlatformApplicationArn: fcm }).push).toEqual({
      preview: 'none',
      largeGroups: 'all',
      applications: { apns: { kind: 'arn', arn: apns }, 'apns-sandbox': { kind: 'named' }, fcm: { kind: 'arn', arn: fcm } },
    });
    expect(() => configOf({ apnsPlatformApplicationArn: fcm })).toThrow(/apnsPlatformApplicationArn.*app\/APNS\//);
    expect(() => configOf({ fcmPlatformApplicationArn: 'arn:aws:sns:eu-west-1:123456789012:app/GCM/' })).toThrow(/fcmPlatformApplicationArn/);
    expect(() => configOf({ pushPreview: 'text' })).toThrow(/pushPreview="text": expected full, sender or none/);
    expect(() => configOf({ largeGroupPush: 'everyone' })).toThrow(/largeGroupPush/);
  });

  it('protects and keeps data on the prod stage unless told otherwise', () => {
    expect(configOf({ stage: 'prod' })).toMatchObject({ retainData: true, deletionProtection: true });
    expect(configOf({ stage: 'prod', deletionProtection: 'false', retainData: 'false' })).toMatchObject({ retainData: false, deletionProtection: false });
    expect(configOf({ stage: 'staging', deletionProtection: true })).toMatchObject({ deletionProtection: true, retainData: false });
  });

  it('reads every setting, as -c strings or as cdk.json numbers and booleans', () => {
    const expected = {
      throttle: { rateLimit: 200, burstLimit: 400 },
      serverApiThrottle: { rateLimit: 20, burstLimit: 40 },
      logRetentionDays: 90,
      fanOutMaxConcurrency: 25,
      fanOutRetentionDays: 14,
      largeGroupThreshold: 100,
      maxGroupMembers: 5000,
      editWindowHours: 1,
      recallWindowHours: 0,
      alarmEmail: 'ops@example.com',
      manageAccountLogsRole: false,
    };
    const strings = {
      stage: 'prod',
      throttleRate: '200',
      throttleBurst: '400',
      serverApiThrottleRate: '20',
      serverApiThrottleBurst: '40',
      logRetentionDays: '90',
      fanOutMaxConcurrency: '25',
      fanOutRetentionDays: '14',
      largeGroupThreshold: '100',
      maxGroupMembers: '5000',
      editWindowHours: '1',
      recallWindowHours: '0',
      alarmEmail: 'ops@example.com',
      apiGatewayLogsRole: 'false',
    };
    expect(configOf(strings)).toMatchObject(expected);
    const json = { ...strings, throttleRate: 200, throttleBurst: 400, serverApiThrottleRate: 20, serverApiThrottleBurst: 40, logRetentionDays: 90, fanOutMaxConcurrency: 25, fanOutRetentionDays: 14, largeGroupThreshold: 100, maxGroupMembers: 5000, editWindowHours: 1, recallWindowHours: 0, apiGatewayLogsRole: false };
    expect(configOf(json)).toMatchObject(expected);
  });

  it('reads an OIDC issuer and derives its key set', () => {
    expect(configOf({ auth: 'oidc', jwtIssuer: 'https://issuer.example.com/', jwtAudience: 'chat' }).auth).toEqual({
      mode: 'oidc',
      issuer: 'https://issuer.example.com/',
      audience: 'chat',
      jwksUrl: 'https://issuer.example.com/.well-known/jwks.json',
    });
  });

  it('reads a Cognito user pool and app client, checking access tokens unless told otherwise', () => {
    expect(configOf(cognito).auth).toEqual({ mode: 'cognito', userPoolId: 'eu-west-1_AbC123', clientId: cognito.cognitoClientId, tokenUse: 'access' });
    expect(configOf({ ...cognito, auth: 'cognito', cognitoTokenUse: 'id' }).auth).toMatchObject({ mode: 'cognito', tokenUse: 'id' });
    // Earlier versions documented Cognito as a kind of OIDC.
    expect(configOf({ ...cognito, auth: 'oidc' }).auth).toMatchObject({ mode: 'cognito' });
  });

  it('ignores nothing it does not know: a mistyped key stops synth and names the key it probably meant', () => {
    expect(() => configOf({ alarmEmial: 'ops@example.com' })).toThrow(/Unknown CDK context key "alarmEmial": did you mean "alarmEmail"\?/);
    expect(() => configOf({ Stage: 'prod' })).toThrow(/"Stage": did you mean "stage"\?/);
    expect(() => configOf({ throtleRate: '5' })).toThrow(/did you mean "throttleRate"\?/);
    expect(() => configOf({ cognitoClientID: 'x' })).toThrow(/did you mean "cognitoClientId"\?/);
    expect(() => configOf({ region: 'eu-west-1' })).toThrow(/Unknown CDK context key "region"\. Known keys: stage, auth, /);
  });

  it('lets through the context the CDK CLI, cdk.json and cdk.context.json add', () => {
    const fromCdkJson = (JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: Record<string, unknown> }).context;
    // What `cdk synth` put into CDK_CONTEXT_JSON next to cdk.json's flags (aws-cdk 2.1148.1).
    const fromCli = {
      'aws:cdk:enable-path-metadata': true,
      'aws:cdk:enable-asset-metadata': true,
      'aws:cdk:version-reporting': true,
      'aws:cdk:bundling-stacks': ['**'],
      '@aws-cdk/core:failSynthOnValidationErrors': false,
    };
    const fromContextFile = {
      'availability-zones:account=123456789012:region=eu-west-1': ['eu-west-1a', 'eu-west-1b'],
      'acknowledged-issue-numbers': [32775],
    };
    expect(configOf({ ...fromCdkJson, ...fromCli, ...fromContextFile, stage: 'prod' })).toMatchObject({ stageName: 'prod' });
  });

  it('reports every problem at once', () => {
    let error: unknown;
    try {
      configOf({ throttleRate: 'fast', alarmEmial: 'x', retainData: 'yes' });
    } catch (caught) {
      error = caught;
    }
    expect((error as Error).message).toMatch(/^The CDK context has 3 problems:\n- /);
    expect((error as { problems: string[] }).problems).toHaveLength(3);
  });

  it.each([
    [{ stage: 'prod/v1' }, /stage="prod\/v1"/],
    [{ throttleRate: 'fast' }, /throttleRate="fast": expected a whole number from 1 to 10000/],
    [{ throttleRate: '0' }, /throttleRate/],
    [{ throttleBurst: '1.5' }, /throttleBurst/],
    [{ logRetentionDays: '31' }, /logRetentionDays="31": expected one of 1, 3, 5, 7, 14, 30/],
    [{ deletionProtection: 'yes' }, /deletionProtection="yes": expected true or false/],
    [{ retainData: 'TRUE ' }, /retainData/],
    [{ retainData: { yes: true } }, /retainData=\{"yes":true\}: expected true or false/],
    [{ fanOutMaxConcurrency: '1' }, /fanOutMaxConcurrency="1": expected a whole number from 2 to 1000/],
    [{ fanOutRetentionDays: '15' }, /fanOutRetentionDays/],
    [{ largeGroupThreshold: '600', maxGroupMembers: '500' }, /largeGroupThreshold="600": expected a whole number from 1 to 500/],
    [{ largeGroupThreshold: '0' }, /largeGroupThreshold="0": expected a whole number from 1 to 100000/],
    [{ editWindowHours: '1.5' }, /editWindowHours="1.5": expected a whole number from 0 to 8760/],
    [{ recallWindowHours: '8761' }, /recallWindowHours="8761": expected a whole number from 0 to 8760/],
    [{ alarmEmail: 'ops' }, /alarmEmail="ops": expected an email address/],
    [{ maxAttachmentMB: '0' }, /maxAttachmentMB="0": expected a whole number from 1 to 5120/],
    [{ maxAttachmentMB: '6000' }, /maxAttachmentMB/],
    [{ attachmentContentTypes: 'image/PNG' }, /attachmentContentTypes="image\/PNG": expected a comma-separated list of lower-case MIME types/],
    [{ attachmentContentTypes: 'image/png; charset=x' }, /attachmentContentTypes/],
    [{ attachmentDailyQuotaMB: '50' }, /attachmentDailyQuotaMB="50": expected a whole number from maxAttachmentMB \(100\)/],
    [{ attachmentOrigins: 'chat.example.com' }, /attachmentOrigins="chat.example.com": expected a comma-separated list of origins/],
    [{ attachmentOrigins: 'https://*.*.example.com' }, /attachmentOrigins/],
    [{ auth: 'jwt' }, /auth="jwt": expected hs256, oidc or cognito/],
    [{ auth: 'oidc' }, /auth=oidc needs -c jwtIssuer/],
    [{ auth: 'oidc', jwtIssuer: 'http://issuer.example.com' }, /jwtIssuer="http:\/\/issuer.example.com": expected an https:\/\/ URL/],
    [{ auth: 'oidc', jwtIssuer: 'https://issuer.example.com', jwksUrl: 'file:///etc/keys' }, /jwksUrl="file:\/\/\/etc\/keys": expected an https:\/\/ URL/],
    [{ jwksUrl: 'https://issuer.example.com/keys' }, /jwksUrl only applies with -c auth=oidc/],
    [{ cognitoUserPoolId: 'AbC123', cognitoClientId: 'abc' }, /cognitoUserPoolId="AbC123": expected a user pool id/],
    [{ cognitoUserPoolId: 'eu-west-1_AbC123' }, /needs -c cognitoClientId=.*no aud/],
    [{ auth: 'cognito', cognitoClientId: 'abc' }, /auth=cognito needs -c cognitoUserPoolId/],
    [{ ...cognito, auth: 'hs256' }, /auth=hs256 and cognitoUserPoolId contradict/],
    [{ ...cognito, jwtAudience: 'abc' }, /jwtAudience does not apply in Cognito mode/],
    [{ ...cognito, cognitoTokenUse: 'refresh' }, /cognitoTokenUse="refresh": expected access or id/],
    [{ cognitoClientId: 'abc' }, /cognitoClientId only applies with -c cognitoUserPoolId/],
    [{ messageRetentionDays: '30' }, /chat messages are kept until deleted.*fanOutRetentionDays/],
  ])('refuses %j at synth with a clear message', (context, message) => {
    expect(() => configOf(context)).toThrow(message);
  });

  it('documents every key it reads in docs/deployment.md and the README', () => {
    for (const file of ['docs/deployment.md', 'README.md']) {
      const text = readFileSync(file, 'utf8');
      const missing = CONTEXT_KEYS.filter((key) => !text.includes(`\`${key}\``));
      expect(missing, file).toEqual([]);
    }
  });
});
