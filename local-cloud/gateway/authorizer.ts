import type { AuthorizerConfig } from './gateway-config.js';
import { findHeader, type HandshakeRequest } from './handshake-request.js';
import { FunctionError, type FunctionInvoker } from '../lambda/invoker.js';
import { authorizerFacts, evaluateAuthorizerOutput } from './authorizer-policy.js';
import { authorizerRequestEvent, type ApiFacts, type AuthorizerFacts, type WebSocketRequestContext } from './proxy-events.js';

export type AuthorizationOutcome = { kind: 'allow'; authorizer: AuthorizerFacts } | { kind: 'refuse'; status: 401 | 403 | 500; reason: string };

/**
 * Runs the `$connect` REQUEST authorizer as API Gateway does: a missing identity source is a 401
 * without any invocation (that is what makes identity sources worth declaring), the function's
 * `Unauthorized` error is a 401, any other failure a 500, a policy that does not allow the
 * method ARN a 403.
 */
export async function authorize(
  config: AuthorizerConfig,
  invoker: FunctionInvoker,
  api: ApiFacts,
  request: HandshakeRequest,
  requestContext: WebSocketRequestContext,
): Promise<AuthorizationOutcome> {
  const missing = config.identitySource.find((source) => !identitySourcePresent(source, request));
  if (missing !== undefined) return { kind: 'refuse', status: 401, reason: `identity source ${missing} is missing` };

  const event = authorizerRequestEvent(api, request, requestContext);
  const started = Date.now();
  let output: unknown;
  try {
    output = await invoker.invoke(config.functionName, event);
  } catch (error) {
    if (error instanceof FunctionError && error.message === 'Unauthorized') return { kind: 'refuse', status: 401, reason: 'authorizer: Unauthorized' };
    return { kind: 'refuse', status: 500, reason: `authorizer failed: ${describe(error)}` };
  }
  const integrationLatency = Date.now() - started;

  const decision = evaluateAuthorizerOutput(output, event.methodArn);
  if (decision.kind === 'invalid') return { kind: 'refuse', status: 500, reason: `authorizer output: ${decision.reason}` };
  if (decision.kind === 'deny') return { kind: 'refuse', status: 403, reason: 'authorizer policy does not allow $connect' };
  return { kind: 'allow', authorizer: authorizerFacts(decision, integrationLatency) };
}

/** Only query string and header sources are emulated; other sources are not checked. */
function identitySourcePresent(source: string, request: HandshakeRequest): boolean {
  const query = /^route\.request\.querystring\.(.+)$/.exec(source);
  if (query?.[1] !== undefined) return nonEmpty(ownValue(request.queryStringParameters, query[1]));
  const header = /^route\.request\.header\.(.+)$/.exec(source);
  if (header?.[1] !== undefined) return nonEmpty(findHeader(request, header[1]));
  return true;
}

const ownValue = (map: Record<string, string> | undefined, key: string): string | undefined =>
  map !== undefined && Object.hasOwn(map, key) ? map[key] : undefined;

const nonEmpty = (value: string | undefined): boolean => value !== undefined && value !== '';

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
