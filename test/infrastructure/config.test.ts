import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { configFromContext } from '../../lib/config.js';

const configOf = (context: Record<string, unknown>) => configFromContext(new App({ context }));

describe('configuration from CDK context', () => {
  it('has safe defaults for a dev stage', () => {
    expect(configOf({})).toEqual({
      stageName: 'dev',
      auth: { mode: 'hs256', issuer: 'serverless-im', audience: 'serverless-im' },
      retainData: false,
      deletionProtection: false,
      largeGroupThreshold: 500,
      maxGroupMembers: 100_000,
      throttle: { rateLimit: 500, burstLimit: 1000 },
      logRetentionDays: 30,
      fanOutMaxConcurrency: 10,
      fanOutRetentionDays: 4,
      manageAccountLogsRole: true,
    });
  });

  it('protects and keeps data on the prod stage unless told otherwise', () => {
    expect(configOf({ stage: 'prod' })).toMatchObject({ retainData: true, deletionProtection: true });
    expect(configOf({ stage: 'prod', deletionProtection: 'false', retainData: 'false' })).toMatchObject({ retainData: false, deletionProtection: false });
    expect(configOf({ stage: 'staging', deletionProtection: true })).toMatchObject({ deletionProtection: true, retainData: false });
  });

  it('reads every setting', () => {
    const config = configOf({
      stage: 'prod',
      throttleRate: '200',
      throttleBurst: '400',
      logRetentionDays: '90',
      fanOutMaxConcurrency: '25',
      fanOutRetentionDays: '14',
      largeGroupThreshold: '100',
      maxGroupMembers: '5000',
      alarmEmail: 'ops@example.com',
      apiGatewayLogsRole: 'false',
    });
    expect(config).toMatchObject({
      throttle: { rateLimit: 200, burstLimit: 400 },
      logRetentionDays: 90,
      fanOutMaxConcurrency: 25,
      fanOutRetentionDays: 14,
      largeGroupThreshold: 100,
      maxGroupMembers: 5000,
      alarmEmail: 'ops@example.com',
      manageAccountLogsRole: false,
    });
  });

  it('derives the Cognito issuer from the user pool id', () => {
    expect(configOf({ cognitoUserPoolId: 'eu-west-1_AbC123' }).auth).toEqual({
      mode: 'oidc',
      issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123',
      audience: 'serverless-im',
      jwksUrl: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json',
    });
  });

  it.each([
    [{ stage: 'prod/v1' }, /stage="prod\/v1"/],
    [{ throttleRate: 'fast' }, /throttleRate="fast": expected a whole number from 1 to 10000/],
    [{ throttleRate: '0' }, /throttleRate/],
    [{ throttleBurst: '1.5' }, /throttleBurst/],
    [{ logRetentionDays: '31' }, /logRetentionDays=31: expected one of 1, 3, 5, 7, 14, 30/],
    [{ deletionProtection: 'yes' }, /deletionProtection="yes": expected true or false/],
    [{ retainData: 'TRUE ' }, /retainData/],
    [{ fanOutMaxConcurrency: '1' }, /fanOutMaxConcurrency="1": expected a whole number from 2 to 1000/],
    [{ fanOutRetentionDays: '15' }, /fanOutRetentionDays/],
    [{ largeGroupThreshold: '600', maxGroupMembers: '500' }, /largeGroupThreshold="600": expected a whole number from 1 to 500/],
    [{ alarmEmail: 'ops' }, /alarmEmail="ops": expected an email address/],
    [{ auth: 'jwt' }, /auth="jwt": expected hs256 or oidc/],
    [{ auth: 'oidc' }, /auth=oidc needs -c jwtIssuer/],
    [{ auth: 'oidc', jwtIssuer: 'http://issuer.example.com' }, /jwtIssuer.*https:\/\//],
    [{ cognitoUserPoolId: 'AbC123' }, /cognitoUserPoolId/],
    [{ messageRetentionDays: '30' }, /chat messages are kept until deleted.*fanOutRetentionDays/],
  ])('refuses %j at synth with a clear message', (context, message) => {
    expect(() => configOf(context)).toThrow(message);
  });
});
