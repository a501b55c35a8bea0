import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { CreatePlatformEndpointCommand, SNSClient } from '@aws-sdk/client-sns';
import { Aws } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../../local-cloud/local-cloud.js';
import { callVia, type FixtureStack, functionName, inlineFunction, SDK_CALLER_SOURCE, type SdkCallResult, synthFixtureStack, testLambdaClient } from '../../support/fixture-stack.js';
import { startTestCloud } from '../../support/test-cloud.js';

/**
 * Offline push through the local SNS, called by functions with the real @aws-sdk/client-sns:
 * platform applications from the template, the endpoint lifecycle, Publish recorded as the
 * phone would show it and answered by /dev/push, the unregistered-token feedback, and IAM.
 */

const ACCOUNT = '123456789012';
/** The FCM application is given to the stack as a setting (an ARN), not created by it. */
const FCM_APP = `arn:aws:sns:us-east-1:${ACCOUNT}:app/GCM/im-fcm`;
const APNS_APP = `arn:aws:sns:us-east-1:${ACCOUNT}:app/APNS/im-apns`;

let fixture: FixtureStack;
let cloud: LocalCloud;
let client: LambdaClient;
let counter = 0;
const user = (name: string) => `${name}-${process.pid}-${++counter}`;
const apnsToken = () => randomBytes(32).toString('hex').toUpperCase();
const fcmToken = () => `fcm:${randomBytes(24).toString('base64url')}`;
const owner = (userId: string, deviceId: string) => JSON.stringify({ userId, deviceId });

beforeAll(async () => {
  fixture = synthFixtureStack('PushFixture', (stack) => {
    const apnsKey = new Secret(stack, 'ApnsSigningKey');
    const apnsApp = new AwsCustomResource(stack, 'ApnsApp', {
      onCreate: {
        service: 'SNS',
        action: 'createPlatformApplication',
        parameters: {
          Name: 'im-apns',
          Platform: 'APNS',
          Attributes: {
            PlatformCredential: apnsKey.secretValue.unsafeUnwrap(),
            PlatformPrincipal: 'KEY1234567',
            ApplePlatformTeamID: 'TEAM123456',
            ApplePlatformBundleID: 'com.example.im',
          },
        },
        physicalResourceId: PhysicalResourceId.fromResponse('PlatformApplicationArn'),
      },
      policy: AwsCustomResourcePolicy.fromSdkCalls({ resources: AwsCustomResourcePolicy.ANY_RESOURCE }),
    });
    const apnsArn = apnsApp.getResponseField('PlatformApplicationArn');
    const endpoints = [`arn:aws:sns:${Aws.REGION}:${Aws.ACCOUNT_ID}:endpoint/APNS/im-apns/*`, `arn:aws:sns:${Aws.REGION}:${Aws.ACCOUNT_ID}:endpoint/GCM/im-fcm/*`];

    const pusher = inlineFunction(stack, 'Pusher', SDK_CALLER_SOURCE, { environment: { APNS_APP_ARN: apnsArn, FCM_APP_ARN: FCM_APP } });
    pusher.addToRolePolicy(new PolicyStatement({ actions: ['sns:CreatePlatformEndpoint'], resources: [apnsArn, FCM_APP] }));
    pusher.addToRolePolicy(new PolicyStatement({ actions: ['sns:Publish', 'sns:GetEndpointAttributes', 'sns:SetEndpointAttributes', 'sns:DeleteEndpoint'], resources: endpoints }));
    pusher.addToRolePolicy(new PolicyStatement({ actions: ['sns:ListPlatformApplications', 'sns:GetPlatformApplicationAttributes'], resources: ['*'] }));

    // May register devices with the APNs application only, and publish nowhere.
    const registrar = inlineFunction(stack, 'Registrar', SDK_CALLER_SOURCE);
    registrar.addToRolePolicy(new PolicyStatement({ actions: ['sns:CreatePlatformEndpoint'], resources: [apnsArn] }));

    inlineFunction(stack, 'Outsider', SDK_CALLER_SOURCE);
  });
  cloud = await startTestCloud({ templatePath: fixture.templatePath, assetsDir: fixture.assetsDir });
  client = testLambdaClient(cloud);
});

afterAll(async () => {
  client?.destroy();
  await cloud?.stop();
  fixture?.remove();
});

const sns = (caller: string, command: string, input: Record<string, unknown>): Promise<SdkCallResult> => callVia(client, cloud, caller, { service: 'sns', command, input });

async function endpointFor(application: string, token: string, customUserData?: string): Promise<string> {
  const created = await sns('Pusher', 'CreatePlatformEndpointCommand', { PlatformApplicationArn: application, Token: token, ...(customUserData ? { CustomUserData: customUserData } : {}) });
  expect(created.ok, JSON.stringify(created.error)).toBe(true);
  return created.output!.EndpointArn as string;
}

async function devPush(userId: string): Promise<{ notifications: Record<string, unknown>[] }> {
  const response = await fetch(`${cloud.httpUrl}/dev/push?user=${encodeURIComponent(userId)}`);
  expect(response.status).toBe(200);
  return (await response.json()) as { notifications: Record<string, unknown>[] };
}

const apnsMessage = (aps: Record<string, unknown>, custom: Record<string, unknown> = {}) => JSON.stringify({ default: 'New message', APNS: JSON.stringify({ aps, ...custom }) });

describe('platform applications', () => {
  it('the template creates one (AwsCustomResource) and names another by ARN; both exist for the functions', async () => {
    const listed = await sns('Pusher', 'ListPlatformApplicationsCommand', {});
    const arns = (listed.output!.PlatformApplications as { PlatformApplicationArn: string }[]).map((application) => application.PlatformApplicationArn);
    expect(arns.sort()).toEqual([APNS_APP, FCM_APP]);
    const pusher = cloud.lambda.functions().find((fn) => fn.name === functionName(cloud, 'Pusher'))!;
    expect(pusher.environment.APNS_APP_ARN).toBe(APNS_APP);
    expect(pusher.environment.AWS_ENDPOINT_URL_SNS).toBe(cloud.snsEndpoint);

    const attributes = await sns('Pusher', 'GetPlatformApplicationAttributesCommand', { PlatformApplicationArn: APNS_APP });
    expect(attributes.output!.Attributes).toEqual({ Enabled: 'true', ApplePlatformTeamID: 'TEAM123456', ApplePlatformBundleID: 'com.example.im' });
    const missing = await sns('Pusher', 'GetPlatformApplicationAttributesCommand', { PlatformApplicationArn: `arn:aws:sns:us-east-1:${ACCOUNT}:app/GCM/nope` });
    expect(missing.error).toMatchObject({ name: 'NotFoundException', status: 404 });
  });
});

describe('endpoint lifecycle', () => {
  it('create, read, change, delete; deleting again succeeds; a deleted endpoint is NotFound', async () => {
    const token = apnsToken();
    const arn = await endpointFor(APNS_APP, token, owner('alice', 'phone'));
    expect(arn).toMatch(new RegExp(`^arn:aws:sns:us-east-1:${ACCOUNT}:endpoint/APNS/im-apns/[0-9a-f-]{36}$`));

    const read = await sns('Pusher', 'GetEndpointAttributesCommand', { EndpointArn: arn });
    // SNS keeps APNs device tokens in lower case.
    expect(read.output!.Attributes).toEqual({ CustomUserData: owner('alice', 'phone'), Enabled: 'true', Token: token.toLowerCase() });

    const newToken = apnsToken();
    expect((await sns('Pusher', 'SetEndpointAttributesCommand', { EndpointArn: arn, Attributes: { Token: newToken, CustomUserData: owner('bob', 'tablet') } })).ok).toBe(true);
    expect((await sns('Pusher', 'GetEndpointAttributesCommand', { EndpointArn: arn })).output!.Attributes).toEqual({
      CustomUserData: owner('bob', 'tablet'),
      Enabled: 'true',
      Token: newToken.toLowerCase(),
    });
    const badFlag = await sns('Pusher', 'SetEndpointAttributesCommand', { EndpointArn: arn, Attributes: { Enabled: 'yes' } });
    expect(badFlag.error?.name).toBe('InvalidParameterException');

    expect((await sns('Pusher', 'DeleteEndpointCommand', { EndpointArn: arn })).ok).toBe(true);
    expect((await sns('Pusher', 'DeleteEndpointCommand', { EndpointArn: arn })).ok).toBe(true);
    const gone = await sns('Pusher', 'GetEndpointAttributesCommand', { EndpointArn: arn });
    expect(gone.error).toMatchObject({ name: 'NotFoundException', status: 404, message: 'Endpoint does not exist' });
  });

  it('CreatePlatformEndpoint is idempotent for the same token and attributes, refuses the same token with others', async () => {
    const token = fcmToken();
    const first = await endpointFor(FCM_APP, token, owner('carol', 'phone'));
    expect(await endpointFor(FCM_APP, token, owner('carol', 'phone'))).toBe(first);

    // A shared phone signed in by someone else: SNS names the endpoint that has the token.
    const other = await sns('Pusher', 'CreatePlatformEndpointCommand', { PlatformApplicationArn: FCM_APP, Token: token, CustomUserData: owner('dave', 'phone') });
    expect(other.error).toMatchObject({
      name: 'InvalidParameterException',
      status: 400,
      message: `Invalid parameter: Token Reason: Endpoint ${first} already exists with the same Token, but different attributes.`,
    });
    // Without CustomUserData the attributes differ too (the endpoint has some).
    expect((await sns('Pusher', 'CreatePlatformEndpointCommand', { PlatformApplicationArn: FCM_APP, Token: token })).error?.name).toBe('InvalidParameterException');
    // Enabled defaults to true, so saying it changes nothing.
    expect((await sns('Pusher', 'CreatePlatformEndpointCommand', { PlatformApplicationArn: FCM_APP, Token: token, CustomUserData: owner('carol', 'phone'), Attributes: { Enabled: 'true' } })).output!.EndpointArn).toBe(first);
  });

  it('refuses tokens APNs cannot have and an application that does not exist', async () => {
    const notHex = await sns('Pusher', 'CreatePlatformEndpointCommand', { PlatformApplicationArn: APNS_APP, Token: 'not-a-device-token' });
    expect(notHex.error).toMatchObject({ name: 'InvalidParameterException', message: 'Invalid parameter: Token Reason: iOS device tokens must be no more than 400 hexadecimal characters' });
    // The test's own client (not IAM-checked): Pusher's role names the two applications only.
    const admin = new SNSClient({ endpoint: cloud.snsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const noApp = await admin.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: `arn:aws:sns:us-east-1:${ACCOUNT}:app/GCM/im-fcm-typo`, Token: 'x' })).catch((error: Error) => error);
    admin.destroy();
    expect(noApp).toMatchObject({ name: 'NotFoundException', message: 'PlatformApplication does not exist' });
  });
});

describe('Publish to an endpoint', () => {
  it('records what each phone shows, and /dev/push answers a user’s notifications oldest first', async () => {
    const alice = user('alice');
    const iphone = await endpointFor(APNS_APP, apnsToken(), owner(alice, 'iphone'));
    const pixel = await endpointFor(FCM_APP, fcmToken(), owner(alice, 'pixel'));
    const strangers = await endpointFor(APNS_APP, apnsToken(), owner(user('mallory'), 'iphone'));

    const apns = await sns('Pusher', 'PublishCommand', {
      TargetArn: iphone,
      MessageStructure: 'json',
      Message: apnsMessage({ alert: { title: 'Bob', body: 'hi there' }, badge: 3, 'thread-id': 'dm:alice:bob' }, { conversationId: 'dm:alice:bob', seq: 7 }),
      MessageAttributes: {
        'AWS.SNS.MOBILE.APNS.COLLAPSE_ID': { DataType: 'String', StringValue: 'dm:alice:bob' },
        'AWS.SNS.MOBILE.APNS.PUSH_TYPE': { DataType: 'String', StringValue: 'alert' },
        'AWS.SNS.MOBILE.APNS.TTL': { DataType: 'String', StringValue: '3600' },
      },
    });
    expect(apns.ok, JSON.stringify(apns.error)).toBe(true);
    expect(apns.output!.MessageId).toMatch(/^[0-9a-f-]{36}$/);

    const fcmPayload = { fcmV1Message: { message: { notification: { title: 'Bob', body: 'second' }, data: { conversationId: 'dm:alice:bob', seq: '8' }, android: { collapse_key: 'dm:alice:bob', notification: { notification_count: 4, tag: 'dm:alice:bob' } } } } };
    expect((await sns('Pusher', 'PublishCommand', { TargetArn: pixel, MessageStructure: 'json', Message: JSON.stringify({ default: 'x', GCM: JSON.stringify(fcmPayload) }) })).ok).toBe(true);
    // No platform key: SNS sends the default text.
    expect((await sns('Pusher', 'PublishCommand', { TargetArn: iphone, Message: 'plain text' })).ok).toBe(true);
    expect((await sns('Pusher', 'PublishCommand', { TargetArn: strangers, Message: 'not for alice' })).ok).toBe(true);

    const { notifications } = await devPush(alice);
    expect(notifications.map(({ ts: _ts, messageId: _id, token: _token, ...rest }) => rest)).toEqual([
      { deviceId: 'iphone', platform: 'apns', title: 'Bob', body: 'hi there', badge: 3, data: { conversationId: 'dm:alice:bob', seq: 7 }, collapseId: 'dm:alice:bob', threadId: 'dm:alice:bob', pushType: 'alert' },
      { deviceId: 'pixel', platform: 'fcm', title: 'Bob', body: 'second', badge: 4, data: { conversationId: 'dm:alice:bob', seq: '8' }, collapseId: 'dm:alice:bob', threadId: 'dm:alice:bob', pushType: null },
      { deviceId: 'iphone', platform: 'apns', title: null, body: 'plain text', badge: null, data: {}, collapseId: null, threadId: null, pushType: 'alert' },
    ]);
    expect(notifications[0]!.messageId).toBe(apns.output!.MessageId);
    const ts = notifications.map((notification) => notification.ts as number);
    expect([...ts].sort((a, b) => a - b)).toEqual(ts);
    expect(cloud.sns.notifications.find((notification) => notification.messageId === apns.output!.MessageId)?.ttlSeconds).toBe(3600);
  });

  it('refuses what SNS refuses: a missing endpoint, a malformed JSON message, a bad message attribute', async () => {
    const target = await endpointFor(APNS_APP, apnsToken(), owner(user('erin'), 'iphone'));
    const missing = await sns('Pusher', 'PublishCommand', { TargetArn: target.replace(/[0-9a-f-]{36}$/, '00000000-0000-0000-0000-000000000000'), Message: 'x' });
    expect(missing.error).toMatchObject({ name: 'InvalidParameterException', message: 'Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified' });
    const malformed = await sns('Pusher', 'PublishCommand', { TargetArn: target, MessageStructure: 'json', Message: '{"APNS":' });
    expect(malformed.error).toMatchObject({ name: 'InvalidParameterException', message: 'Invalid parameter: Message Structure - JSON message body failed to parse' });
    const noDefault = await sns('Pusher', 'PublishCommand', { TargetArn: target, MessageStructure: 'json', Message: JSON.stringify({ GCM: '{}' }) });
    expect(noDefault.error?.message).toBe('Invalid parameter: Message Structure - No default entry in JSON message body');
    const badAttribute = await sns('Pusher', 'PublishCommand', { TargetArn: target, Message: 'x', MessageAttributes: { count: { DataType: 'Number', StringValue: 'many' } } });
    expect(badAttribute.error?.name).toBe('InvalidParameterValueException');
  });

  it('FCM v1 refuses data values that are not strings: accepted by SNS, never delivered', async () => {
    const frank = user('frank');
    const target = await endpointFor(FCM_APP, fcmToken(), owner(frank, 'pixel'));
    const payload = { fcmV1Message: { message: { notification: { title: 't', body: 'b' }, data: { seq: 8 } } } };
    const published = await sns('Pusher', 'PublishCommand', { TargetArn: target, MessageStructure: 'json', Message: JSON.stringify({ default: 'x', GCM: JSON.stringify(payload) }) });
    expect(published.ok).toBe(true);
    expect((await devPush(frank)).notifications).toEqual([]);
    expect(cloud.sns.deliveryFailures.find((failure) => failure.messageId === published.output!.MessageId)?.reason).toMatch(/^INVALID_ARGUMENT/);
  });
});

describe('an unregistered token', () => {
  it('the next publish succeeds but disables the endpoint; later ones fail with EndpointDisabled; a new token revives it', async () => {
    const grace = user('grace');
    const token = apnsToken();
    const target = await endpointFor(APNS_APP, token, owner(grace, 'iphone'));
    expect((await sns('Pusher', 'PublishCommand', { TargetArn: target, Message: 'before' })).ok).toBe(true);

    const marked = await fetch(`${cloud.httpUrl}/dev/push/unregister?token=${token}`, { method: 'POST' });
    expect(await marked.json()).toEqual({ token, unregistered: true });

    // As on AWS: the publish is accepted; APNs answers 410 Unregistered and SNS disables the endpoint.
    const failing = await sns('Pusher', 'PublishCommand', { TargetArn: target, Message: 'after' });
    expect(failing.ok).toBe(true);
    expect((await sns('Pusher', 'GetEndpointAttributesCommand', { EndpointArn: target })).output!.Attributes).toMatchObject({ Enabled: 'false' });
    expect(cloud.sns.deliveryFailures.find((failure) => failure.messageId === failing.output!.MessageId)).toMatchObject({ reason: 'Unregistered', endpointDisabled: true });

    const refused = await sns('Pusher', 'PublishCommand', { TargetArn: target, Message: 'again' });
    expect(refused.error).toMatchObject({ name: 'EndpointDisabledException', status: 400, message: 'Endpoint is disabled' });
    expect((await devPush(grace)).notifications.map((notification) => notification.body)).toEqual(['before']);

    // Registering the same token again answers the same endpoint, still disabled (SNS's reinstall trap).
    const again = await sns('Pusher', 'CreatePlatformEndpointCommand', { PlatformApplicationArn: APNS_APP, Token: token, CustomUserData: owner(grace, 'iphone') });
    expect(again.output!.EndpointArn).toBe(target);
    expect((await sns('Pusher', 'GetEndpointAttributesCommand', { EndpointArn: target })).output!.Attributes).toMatchObject({ Enabled: 'false' });

    // Re-enabling with the same token fails again at the next publish; a fresh token works.
    await sns('Pusher', 'SetEndpointAttributesCommand', { EndpointArn: target, Attributes: { Enabled: 'true' } });
    expect((await sns('Pusher', 'PublishCommand', { TargetArn: target, Message: 'same token' })).ok).toBe(true);
    expect((await sns('Pusher', 'GetEndpointAttributesCommand', { EndpointArn: target })).output!.Attributes).toMatchObject({ Enabled: 'false' });
    await sns('Pusher', 'SetEndpointAttributesCommand', { EndpointArn: target, Attributes: { Token: apnsToken(), Enabled: 'true' } });
    expect((await sns('Pusher', 'PublishCommand', { TargetArn: target, Message: 'new token' })).ok).toBe(true);
    expect((await devPush(grace)).notifications.map((notification) => notification.body)).toEqual(['before', 'new token']);
  });

  it('the LocalCloud method does the same for FCM tokens', async () => {
    const token = fcmToken();
    const target = await endpointFor(FCM_APP, token, owner(user('heidi'), 'pixel'));
    cloud.sns.unregisterToken(token);
    const published = await sns('Pusher', 'PublishCommand', { TargetArn: target, Message: 'x' });
    expect(cloud.sns.deliveryFailures.find((failure) => failure.messageId === published.output!.MessageId)?.reason).toBe('UNREGISTERED');
    expect((await sns('Pusher', 'PublishCommand', { TargetArn: target, Message: 'y' })).error?.name).toBe('EndpointDisabledException');
  });
});

describe('IAM', () => {
  it('refuses sns:* calls the role does not allow with AuthorizationError, naming the action and resource', async () => {
    const target = await endpointFor(APNS_APP, apnsToken(), owner(user('ivan'), 'iphone'));
    const principal = (prefix: string) => cloud.iam!.principal(functionName(cloud, prefix)).principalArn;

    const publish = await sns('Outsider', 'PublishCommand', { TargetArn: target, Message: 'x' });
    expect(publish.error).toMatchObject({ name: 'AuthorizationErrorException', status: 403 });
    expect(publish.error?.message).toBe(`User: ${principal('Outsider')} is not authorized to perform: SNS:Publish on resource: ${target} because no identity-based policy allows the SNS:Publish action`);

    const read = await sns('Outsider', 'GetEndpointAttributesCommand', { EndpointArn: target });
    expect(read.error?.message).toContain(`SNS:GetEndpointAttributes on resource: ${target}`);
  });

  it('checks CreatePlatformEndpoint against the platform application ARN', async () => {
    expect((await sns('Registrar', 'CreatePlatformEndpointCommand', { PlatformApplicationArn: APNS_APP, Token: apnsToken() })).ok).toBe(true);
    const other = await sns('Registrar', 'CreatePlatformEndpointCommand', { PlatformApplicationArn: FCM_APP, Token: fcmToken() });
    expect(other.error).toMatchObject({ name: 'AuthorizationErrorException', status: 403 });
    expect(other.error?.message).toContain(`SNS:CreatePlatformEndpoint on resource: ${FCM_APP} because`);
    expect(cloud.iam!.denials.some((denial) => denial.request.action === 'sns:CreatePlatformEndpoint' && denial.request.resource === FCM_APP)).toBe(true);
  });
});

describe('/dev/push', () => {
  it('answers loopback requests with a loopback Host only', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${cloud.httpUrl}/dev/push?user=alice`, { headers: { host: 'attacker.example' } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end();
    });
    // 421 Misdirected Request: dev endpoints answer only to a loopback Host (local-cloud/dev-endpoint-guard.ts).
    expect(status).toBe(421);
    expect((await fetch(`${cloud.httpUrl}/dev/push`)).status).toBe(400);
  });
});
