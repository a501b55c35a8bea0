import type { BucketSpec, CloudFormationTemplate } from './cloud-model.js';
import type { PhysicalResource } from './intrinsics.js';

/** The stack's `AWS::S3::Bucket` resources, with the configuration the local S3 honours. */
export function readBuckets(template: CloudFormationTemplate, resources: ReadonlyMap<string, PhysicalResource>): BucketSpec[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::S3::Bucket')
    .map(([logicalId, resource]) => {
      const properties = resource.Properties ?? {};
      const physical = resources.get(logicalId)!;
      const spec: BucketSpec = { logicalId, name: physical.ref, arn: physical.attributes.Arn! };
      if (properties.CorsConfiguration !== undefined) spec.corsConfiguration = properties.CorsConfiguration;
      if (properties.LifecycleConfiguration !== undefined) spec.lifecycleConfiguration = properties.LifecycleConfiguration;
      return spec;
    });
}
