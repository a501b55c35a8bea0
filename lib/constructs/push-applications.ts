import { Arn, ArnFormat, Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { PushApplicationSource, PushPlatformName } from '../config.js';

/** SNS's name of each push platform of the protocol. */
export const SNS_PLATFORM: Record<PushPlatformName, 'APNS' | 'APNS_SANDBOX' | 'GCM'> = { apns: 'APNS', 'apns-sandbox': 'APNS_SANDBOX', fcm: 'GCM' };

export interface PushApplication {
  platform: PushPlatformName;
  /** The platform application's ARN (CreatePlatformEndpoint is granted on it). */
  arn: string;
  /** Its endpoints' ARNs, `.../endpoint/{PLATFORM}/{name}/*` (Publish and the endpoint calls are granted on them). */
  endpointArns: string;
  /** `endpointArns` as cdk-nag names it in a finding (pseudo parameters as `<AWS::Region>`, ...). */
  endpointNagName: string;
}

export interface PushApplicationsProps {
  sources: Record<PushPlatformName, PushApplicationSource>;
}

const nagName = (value: string, pseudo: string): string => (Token.isUnresolved(value) ? `<${pseudo}>` : value);

/**
 * The SNS platform application of each push platform. CloudFormation has no resource type for
 * them, and the APNs signing key or FCM service account must not pass through a template or a
 * custom resource's logs, so the applications are made once, outside the stack (SNS keeps the
 * credentials): an application's ARN given as a setting, or by default the application named
 * `<stack>-<platform>` in the stack's account and region (docs/deployment.md, "Push notifications").
 */
export class PushApplications extends Construct {
  readonly applications: PushApplication[] = [];

  constructor(scope: Construct, id: string, props: PushApplicationsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    for (const [platform, source] of Object.entries(props.sources) as [PushPlatformName, PushApplicationSource][]) {
      const snsPlatform = SNS_PLATFORM[platform];
      if (source.kind === 'arn') {
        const name = source.arn.split('/').pop()!;
        const parts = Arn.split(source.arn, ArnFormat.SLASH_RESOURCE_NAME);
        const endpointArns = `arn:${parts.partition}:sns:${parts.region}:${parts.account}:endpoint/${snsPlatform}/${name}/*`;
        this.applications.push({ platform, arn: source.arn, endpointArns, endpointNagName: endpointArns });
        continue;
      }
      const name = `${stack.stackName}-${platform}`;
      const arn = stack.formatArn({ service: 'sns', resource: 'app', resourceName: `${snsPlatform}/${name}`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
      const endpointArns = stack.formatArn({ service: 'sns', resource: 'endpoint', resourceName: `${snsPlatform}/${name}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
      const endpointNagName = `arn:${nagName(stack.partition, 'AWS::Partition')}:sns:${nagName(stack.region, 'AWS::Region')}:${nagName(stack.account, 'AWS::AccountId')}:endpoint/${snsPlatform}/${name}/*`;
      this.applications.push({ platform, arn, endpointArns, endpointNagName });
    }
  }
}
