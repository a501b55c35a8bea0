import { accessKeyIdOf, FUNCTION_SECRET_ACCESS_KEY } from '../../local-cloud/function-environment.js';
import type { LocalCloud, LocalCloudOptions } from '../../local-cloud/local-cloud.js';
import { synthHttpEventsStack } from './http-events-stack.js';
import type { Credentials } from './signed-request.js';
import { startTestCloud } from './test-cloud.js';

/** A local cloud of the HTTP API + event bus stack (`http-events-stack.ts`), for one test file. */
export interface HttpEventsCloud {
  cloud: LocalCloud;
  /** `http://127.0.0.1:PORT/api` */
  api: string;
  functionName(logicalIdPrefix: string): string;
  /** The credentials a function of the stack signs with (its role is who IAM sees). */
  functionCredentials(logicalIdPrefix: string): Credentials;
  /** Invocations of a function so far. */
  invocations(logicalIdPrefix: string): number;
  stop(): Promise<void>;
}

export async function startHttpEventsCloud(options: LocalCloudOptions = {}): Promise<HttpEventsCloud> {
  const stack = synthHttpEventsStack();
  let cloud: LocalCloud;
  try {
    cloud = await startTestCloud({ templatePath: stack.templatePath, ...options });
  } catch (error) {
    stack.remove();
    throw error;
  }
  const fn = (prefix: string) => {
    const found = cloud.model.functions.find((candidate) => candidate.logicalId.startsWith(prefix));
    if (!found) throw new Error(`no function ${prefix}`);
    return found;
  };
  return {
    cloud,
    api: cloud.httpApi!.url,
    functionName: (prefix) => fn(prefix).name,
    functionCredentials: (prefix) => ({ accessKeyId: accessKeyIdOf(fn(prefix)), secretAccessKey: FUNCTION_SECRET_ACCESS_KEY }),
    invocations: (prefix) => cloud.lambda.stats()[fn(prefix).name]?.invocations ?? 0,
    async stop() {
      await cloud.stop();
      stack.remove();
    },
  };
}
