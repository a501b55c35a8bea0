import type { CloudFormationTemplate } from './cloud-model.js';
import type { PhysicalResource } from './intrinsics.js';

/** An event bus as PutEvents addresses it: by name or by ARN. */
export interface EventBusSpec {
  /** Absent for the account's `default` bus, which every account has without a template. */
  logicalId?: string;
  name: string;
  arn: string;
}

/** The template's `AWS::Events::EventBus` resources, and the account's `default` bus. */
export function readEventBuses(
  template: CloudFormationTemplate,
  resources: ReadonlyMap<string, PhysicalResource>,
  account: { region: string; accountId: string },
): EventBusSpec[] {
  const buses: EventBusSpec[] = [{ name: 'default', arn: `arn:aws:events:${account.region}:${account.accountId}:event-bus/default` }];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Events::EventBus') continue;
    const physical = resources.get(logicalId)!;
    buses.push({ logicalId, name: physical.ref, arn: physical.attributes.Arn! });
  }
  return buses;
}
