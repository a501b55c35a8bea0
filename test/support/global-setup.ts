import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../local-cloud/dynamodb/dynamodb-local.js';
import { externalEndpointsFromEnv } from '../../local-cloud/endpoints-from-env.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
  }
}

/**
 * One DynamoDB Local for the whole run (the JVM takes seconds to start); every test cloud gets
 * tables of its own in it. With LOCALSTACK_ENDPOINT or DYNAMODB_ENDPOINT set, that one is used.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = externalEndpointsFromEnv();
  if (process.env.IM_WS_URL) {
    // Against a deployed stack nothing runs locally.
    project.provide('dynamoDbEndpoint', '');
    return async () => undefined;
  }
  if (external.dynamoDbEndpoint) {
    project.provide('dynamoDbEndpoint', external.dynamoDbEndpoint);
    return async () => undefined;
  }
  const dynamo = await startDynamoDbLocal();
  project.provide('dynamoDbEndpoint', dynamo.endpoint);
  return dynamo.stop;
}
