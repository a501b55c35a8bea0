import { existsSync } from 'node:fs';
import { inject } from 'vitest';
import { externalEndpointsFromEnv } from '../../local-cloud/endpoints-from-env.js';
import { DEFAULT_TEMPLATE, type LocalCloud, type LocalCloudOptions, startLocalCloud, uniqueResourceSuffix } from '../../local-cloud/local-cloud.js';
import { TestClient } from './ws-client.js';

/**
 * A local cloud for one test file: its own gateway port, queues and tables (unique names) on the
 * run's shared DynamoDB. The caller stops it in afterAll.
 */
export async function startTestCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const templatePath = options.templatePath ?? DEFAULT_TEMPLATE;
  if (!existsSync(templatePath)) throw new Error(`${templatePath} is missing: run "npm run synth" first`);
  const { sqsEndpoint } = externalEndpointsFromEnv();
  return startLocalCloud({
    port: 0,
    dynamoDbEndpoint: inject('dynamoDbEndpoint'),
    ...(sqsEndpoint ? { sqsEndpoint } : {}),
    resourceSuffix: uniqueResourceSuffix(),
    ...options,
  });
}

/** Connects a user's device with a fresh dev token. */
export async function connectAs(cloud: LocalCloud, userId: string, deviceId?: string): Promise<TestClient> {
  const token = await cloud.devToken(userId);
  return TestClient.connect(cloud.url, deviceId ? { token, device: deviceId } : { token });
}
