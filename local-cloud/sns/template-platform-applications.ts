import type { CloudFormationTemplate } from '../template/cloud-model.js';
import { type PhysicalResource, type ResolveContext, resolveValue, UnresolvableError } from '../template/intrinsics.js';
import type { LocalSns } from './local-sns.js';
import { PUSH_PLATFORMS } from './platform-store.js';
import { SnsError } from './sns-error.js';

/**
 * CloudFormation has no resource type for SNS platform applications, so a stack gets them one of
 * two ways, and the local cloud recognises both:
 *
 * - Created by the stack with CDK's `AwsCustomResource` (a `Custom::AWS` resource) whose create
 *   (or update) call is SNS `createPlatformApplication`. The local cloud makes that call on its
 *   SNS at start, with the call's parameters resolved, and gives the resource what CloudFormation
 *   would: `Fn::GetAtt [Resource, PlatformApplicationArn]` and, with
 *   `PhysicalResourceId.fromResponse('PlatformApplicationArn')`, `Ref`. A parameter the local
 *   cloud cannot read (a `{{resolve:secretsmanager:...}}` credential) is kept as a placeholder:
 *   the local SNS never talks to APNs or FCM.
 * - Named by ARN in a deployment setting: any `arn:aws:sns:{region}:{account}:app/{APNS|APNS_SANDBOX|GCM}/{name}`
 *   that appears in the template (a function's environment, a policy's resource) is taken to
 *   exist already, as it does in the account, and is created empty in the local SNS.
 */

const APPLICATION_ARN_IN_TEXT = new RegExp(`arn:aws:sns:[a-z0-9-]+:\\d{12}:app/(?:${PUSH_PLATFORMS.join('|')})/[A-Za-z0-9_.-]+`, 'g');

interface SdkCall {
  service?: unknown;
  action?: unknown;
  parameters?: { Name?: unknown; Platform?: unknown; Attributes?: unknown };
  physicalResourceId?: { id?: unknown; responsePath?: unknown };
}

const isCreatePlatformApplication = (call: SdkCall): boolean =>
  typeof call.service === 'string' &&
  typeof call.action === 'string' &&
  call.service.toLowerCase().replace('@aws-sdk/client-', '') === 'sns' &&
  call.action.toLowerCase().replace(/command$/, '') === 'createplatformapplication';

/** CloudFormation dynamic references (`{{resolve:...}}`) are resolved at deploy time; locally they stay placeholders. */
const withoutDynamicReferences = (text: string): string => text.replace(/\{\{resolve:[^}]*\}\}/g, 'local-cloud-placeholder');

function asStringMap(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, String(item)]));
}

/**
 * Creates the platform applications of the template in the local SNS and fills in the custom
 * resources' physical ids. Call once every physical name is known, before anything resolves
 * values that point at them. A call SNS refuses fails the start, as it would fail the deploy.
 */
export function createTemplatePlatformApplications(sns: LocalSns, template: CloudFormationTemplate, resources: Map<string, PhysicalResource>, context: ResolveContext): string[] {
  const created: string[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'Custom::AWS') continue;
    const raw = resource.Properties?.Create ?? resource.Properties?.Update;
    if (raw === undefined) continue;
    let call: SdkCall;
    try {
      call = JSON.parse(withoutDynamicReferences(String(resolveValue(raw, context)))) as SdkCall;
    } catch (error) {
      if (error instanceof UnresolvableError || error instanceof SyntaxError) continue;
      throw error;
    }
    if (!isCreatePlatformApplication(call)) continue;
    const parameters = call.parameters ?? {};
    let arn: string;
    try {
      arn = sns.store.createApplication(
        typeof parameters.Name === 'string' ? parameters.Name : undefined,
        typeof parameters.Platform === 'string' ? parameters.Platform : undefined,
        asStringMap(parameters.Attributes),
      ).arn;
    } catch (error) {
      if (!(error instanceof SnsError)) throw error;
      throw new Error(`${logicalId}: CreatePlatformApplication failed (${error.code}: ${error.message}); CloudFormation would fail the deploy here, so the local cloud does not start`);
    }
    const physical = resources.get(logicalId);
    if (physical) {
      physical.attributes.PlatformApplicationArn = arn;
      const id = call.physicalResourceId;
      if (id?.responsePath === 'PlatformApplicationArn') physical.ref = arn;
      else if (typeof id?.id === 'string') physical.ref = id.id;
    }
    created.push(arn);
  }

  // ARNs given as settings: literal in the template, or built by intrinsics in a function's environment.
  const mentioned = new Set(JSON.stringify(template).match(APPLICATION_ARN_IN_TEXT) ?? []);
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const variables = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    for (const value of Object.values(variables)) {
      try {
        for (const arn of String(resolveValue(value, context)).match(APPLICATION_ARN_IN_TEXT) ?? []) mentioned.add(arn);
      } catch {
        // Values that point at what the local cloud does not model are not ARNs of applications.
      }
    }
  }
  for (const arn of mentioned) {
    if (created.includes(arn)) continue;
    sns.store.adoptApplication(arn);
    created.push(arn);
  }
  return created;
}
