import type { AuthorizerFacts } from './proxy-events.js';

/**
 * How API Gateway reads a Lambda authorizer's output: a `principalId`, an IAM policy that must
 * allow `execute-api:Invoke` on the method ARN (an explicit Deny wins), and an optional flat
 * `context` whose values reach the integration as strings.
 */

export type PolicyDecision =
  | { kind: 'allow'; principalId: string; context: Record<string, string> }
  | { kind: 'deny' }
  /** AWS answers 500 (AuthorizerConfigurationException) to output it cannot use. */
  | { kind: 'invalid'; reason: string };

interface Statement {
  Effect?: unknown;
  Action?: unknown;
  Resource?: unknown;
}

export function evaluateAuthorizerOutput(output: unknown, methodArn: string): PolicyDecision {
  if (!isRecord(output)) return { kind: 'invalid', reason: 'authorizer returned no object' };
  const { principalId, policyDocument, context } = output;
  if (typeof principalId !== 'string' && typeof principalId !== 'number') return { kind: 'invalid', reason: 'principalId missing' };
  if (!isRecord(policyDocument)) return { kind: 'invalid', reason: 'policyDocument missing' };
  const statements = toList(policyDocument.Statement);
  if (statements.length === 0 || !statements.every(isRecord)) return { kind: 'invalid', reason: 'policyDocument.Statement missing' };

  const flatContext = flattenContext(context);
  if (flatContext === undefined) return { kind: 'invalid', reason: 'context values must be strings, numbers or booleans' };

  const applying = (statements as Statement[]).filter((s) => appliesTo(s, methodArn));
  if (applying.some((s) => effectOf(s) === 'deny')) return { kind: 'deny' };
  if (!applying.some((s) => effectOf(s) === 'allow')) return { kind: 'deny' };
  return { kind: 'allow', principalId: String(principalId), context: flatContext };
}

/** `requestContext.authorizer` of every event of the connection. */
export function authorizerFacts(decision: Extract<PolicyDecision, { kind: 'allow' }>, integrationLatency: number): AuthorizerFacts {
  return { ...decision.context, principalId: decision.principalId, integrationLatency };
}

function flattenContext(context: unknown): Record<string, string> | undefined {
  if (context === undefined || context === null) return {};
  if (!isRecord(context)) return undefined;
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(context)) {
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
    flat[key] = String(value);
  }
  return flat;
}

function appliesTo(statement: Statement, methodArn: string): boolean {
  const actions = toList(statement.Action).filter((a): a is string => typeof a === 'string');
  const resources = toList(statement.Resource).filter((r): r is string => typeof r === 'string');
  return actions.some((a) => globMatches(a, 'execute-api:Invoke', true)) && resources.some((r) => globMatches(r, methodArn, false));
}

function effectOf(statement: Statement): string {
  return typeof statement.Effect === 'string' ? statement.Effect.toLowerCase() : '';
}

/** IAM wildcards: `*` any run of characters, `?` exactly one. Action names are case-insensitive. */
function globMatches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

function toList(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
