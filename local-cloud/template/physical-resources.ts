import { createHash } from 'node:crypto';
import type { CloudFormationTemplate } from './cloud-model.js';
import { type PhysicalResource, type ResolveContext, resolveString } from './intrinsics.js';

export interface NamingOptions {
  region: string;
  accountId: string;
  stackName: string;
  /**
   * Stands in for the random part CloudFormation appends to generated names. A fixed suffix keeps
   * names stable across restarts (on-disk data); tests use a random one to share one DynamoDB.
   */
  suffix: string;
}

/** Deterministic pseudo-random lowercase id, like an API Gateway api id (10 chars). */
export function shortId(seed: string, length = 10): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const digest = createHash('sha256').update(seed).digest();
  let id = '';
  for (let index = 0; index < length; index++) id += alphabet[digest[index]! % alphabet.length];
  return id;
}

/** CloudFormation's generated name: stack name, logical id and a random part, within a length limit. */
function generatedName(options: NamingOptions, logicalId: string, maxLength: number): string {
  const tail = `-${options.suffix}`;
  const head = `${options.stackName}-${logicalId}`.slice(0, maxLength - tail.length);
  return `${head}${tail}`;
}

/**
 * Gives every resource of the template the physical identity CloudFormation would: the value of
 * `Ref` and of the `Fn::GetAtt` attributes the stack uses. Queue URLs depend on where the SQS
 * endpoint lives, so they are filled in once the queues exist (`setQueueUrl`).
 */
export function assignPhysicalResources(template: CloudFormationTemplate, options: NamingOptions): Map<string, PhysicalResource> {
  const { region, accountId } = options;
  const resources = new Map<string, PhysicalResource>();
  // Explicit names may use Ref/Fn::Sub of pseudo parameters only; resolve them with an empty registry.
  const context: ResolveContext = { ...options, resources };
  const explicitName = (value: unknown, where: string): string | undefined =>
    value === undefined ? undefined : resolveString(value, context, where);

  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const properties = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable': {
        const name = explicitName(properties.TableName, `${logicalId}.TableName`) ?? generatedName(options, logicalId, 255);
        const arn = `arn:aws:dynamodb:${region}:${accountId}:table/${name}`;
        resources.set(logicalId, { ref: name, attributes: { Arn: arn, StreamArn: `${arn}/stream/local` } });
        break;
      }
      case 'AWS::SQS::Queue': {
        const fifo = properties.FifoQueue === true || properties.FifoQueue === 'true';
        const name =
          explicitName(properties.QueueName, `${logicalId}.QueueName`) ??
          `${generatedName(options, logicalId, fifo ? 75 : 80)}${fifo ? '.fifo' : ''}`;
        const arn = `arn:aws:sqs:${region}:${accountId}:${name}`;
        resources.set(logicalId, { ref: '', attributes: { Arn: arn, QueueName: name, QueueUrl: '' } });
        break;
      }
      case 'AWS::Lambda::Function': {
        const name = explicitName(properties.FunctionName, `${logicalId}.FunctionName`) ?? generatedName(options, logicalId, 64);
        resources.set(logicalId, { ref: name, attributes: { Arn: `arn:aws:lambda:${region}:${accountId}:function:${name}` } });
        break;
      }
      case 'AWS::SecretsManager::Secret': {
        const name = explicitName(properties.Name, `${logicalId}.Name`) ?? generatedName(options, logicalId, 256);
        const arn = `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${shortId(name, 6)}`;
        resources.set(logicalId, { ref: arn, attributes: { Id: arn } });
        break;
      }
      case 'AWS::IAM::Role': {
        const name = explicitName(properties.RoleName, `${logicalId}.RoleName`) ?? generatedName(options, logicalId, 64);
        resources.set(logicalId, { ref: name, attributes: { Arn: `arn:aws:iam::${accountId}:role/${name}`, RoleId: shortId(name, 21).toUpperCase() } });
        break;
      }
      case 'AWS::Logs::LogGroup': {
        const name = explicitName(properties.LogGroupName, `${logicalId}.LogGroupName`) ?? generatedName(options, logicalId, 512);
        resources.set(logicalId, { ref: name, attributes: { Arn: `arn:aws:logs:${region}:${accountId}:log-group:${name}:*` } });
        break;
      }
      case 'AWS::ApiGatewayV2::Api': {
        const apiId = shortId(`${options.stackName}/${logicalId}/${options.suffix}`);
        const scheme = properties.ProtocolType === 'HTTP' ? 'https' : 'wss';
        resources.set(logicalId, {
          ref: apiId,
          attributes: { ApiId: apiId, ApiEndpoint: `${scheme}://${apiId}.execute-api.${region}.amazonaws.com` },
        });
        break;
      }
      case 'AWS::ApiGatewayV2::Stage':
        resources.set(logicalId, { ref: explicitName(properties.StageName, `${logicalId}.StageName`) ?? logicalId, attributes: {} });
        break;
      case 'AWS::S3::Bucket': {
        const name = explicitName(properties.BucketName, `${logicalId}.BucketName`) ?? generatedBucketName(options, logicalId);
        resources.set(logicalId, { ref: name, attributes: bucketAttributes(name, region) });
        break;
      }
      case 'AWS::Events::EventBus': {
        const name = explicitName(properties.Name, `${logicalId}.Name`) ?? generatedName(options, logicalId, 256);
        resources.set(logicalId, { ref: name, attributes: { Arn: `arn:aws:events:${region}:${accountId}:event-bus/${name}`, Name: name } });
        break;
      }
      case 'AWS::Events::Rule': {
        // Ref of a rule on the default bus is its name; GetAtt Arn is rule/{name}.
        const name = explicitName(properties.Name, `${logicalId}.Name`) ?? generatedName(options, logicalId, 64);
        resources.set(logicalId, { ref: name, attributes: { Arn: `arn:aws:events:${region}:${accountId}:rule/${name}` } });
        break;
      }
      case 'AWS::SNS::Topic': {
        const name = explicitName(properties.TopicName, `${logicalId}.TopicName`) ?? generatedName(options, logicalId, 256);
        const arn = `arn:aws:sns:${region}:${accountId}:${name}`;
        resources.set(logicalId, { ref: arn, attributes: { TopicArn: arn, TopicName: name } });
        break;
      }
      default:
        resources.set(logicalId, { ref: shortId(`${logicalId}/${options.suffix}`), attributes: {} });
    }
  }
  return resources;
}

/** CloudFormation's bucket names: lower case, at most 63 characters, stack and logical id first. */
function generatedBucketName(options: NamingOptions, logicalId: string): string {
  const tail = `-${options.suffix.toLowerCase()}`;
  const head = `${options.stackName}-${logicalId}`.toLowerCase().replace(/[^a-z0-9-]/g, '').slice(0, 63 - tail.length);
  return `${head}${tail}`;
}

/** The `Fn::GetAtt` attributes of a bucket: AWS's names (the local endpoint is the SDK's business). */
function bucketAttributes(name: string, region: string): Record<string, string> {
  return {
    Arn: `arn:aws:s3:::${name}`,
    DomainName: `${name}.s3.amazonaws.com`,
    RegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
    DualStackDomainName: `${name}.s3.dualstack.${region}.amazonaws.com`,
    WebsiteURL: `http://${name}.s3-website-${region}.amazonaws.com`,
  };
}

/** Records where a queue lives once the SQS endpoint has created it (`Ref` of a queue is its URL). */
export function setQueueUrl(resources: Map<string, PhysicalResource>, logicalId: string, url: string): void {
  const queue = resources.get(logicalId);
  if (!queue) throw new Error(`unknown queue ${logicalId}`);
  queue.ref = url;
  queue.attributes.QueueUrl = url;
}
