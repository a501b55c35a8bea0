/**
 * IAM identity-based policy documents, as far as the local cloud evaluates them: statements with
 * `Effect`, `Action`/`NotAction`, `Resource`/`NotResource` and (not evaluated) `Condition`.
 * Documents are parsed after CloudFormation intrinsics are resolved, so every value is a string.
 */

export type Effect = 'Allow' | 'Deny';

export interface PolicyStatement {
  sid?: string;
  effect: Effect;
  /** Exactly one of `actions` and `notActions` is set. */
  actions?: string[];
  notActions?: string[];
  /** Exactly one of `resources` and `notResources` is set. */
  resources?: string[];
  notResources?: string[];
  /**
   * The statement has a `Condition` block. Conditions are not evaluated locally: they count as
   * met for an Allow and as not met for a Deny, so a condition never makes the local cloud
   * refuse a call that AWS might allow (see evaluate.ts).
   */
  conditional: boolean;
  /** Where the statement comes from, for messages: `PolicyLogicalId`, `Role.Policies[name]`, a managed policy ARN. */
  source: string;
}

/** What IAM answers with `MalformedPolicyDocument`; the deploy would fail, so the local cloud does not start. */
export class MalformedPolicyError extends Error {
  constructor(source: string, reason: string) {
    super(`MalformedPolicyDocument in ${source}: ${reason}`);
    this.name = 'MalformedPolicyError';
  }
}

function stringList(value: unknown, source: string, element: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new MalformedPolicyError(source, `${element} must not be empty`);
  for (const item of list) {
    if (typeof item !== 'string') throw new MalformedPolicyError(source, `${element} must be a string or a list of strings, got ${JSON.stringify(item)}`);
  }
  return list as string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One statement of a resolved policy document. */
export function parseStatement(raw: unknown, source: string): PolicyStatement {
  if (!isRecord(raw)) throw new MalformedPolicyError(source, 'a statement must be an object');
  const { Sid, Effect: effect, Action, NotAction, Resource, NotResource, Condition, Principal, NotPrincipal } = raw;
  if (effect !== 'Allow' && effect !== 'Deny') throw new MalformedPolicyError(source, `Effect must be "Allow" or "Deny", got ${JSON.stringify(effect)}`);
  if (Principal !== undefined || NotPrincipal !== undefined) {
    throw new MalformedPolicyError(source, 'an identity-based policy must not have Principal or NotPrincipal');
  }
  if ((Action === undefined) === (NotAction === undefined)) throw new MalformedPolicyError(source, 'a statement needs exactly one of Action and NotAction');
  if ((Resource === undefined) === (NotResource === undefined)) {
    throw new MalformedPolicyError(source, 'Policy statement must contain resources (exactly one of Resource and NotResource)');
  }
  if (Condition !== undefined && !isRecord(Condition)) throw new MalformedPolicyError(source, 'Condition must be an object');
  const statement: PolicyStatement = { effect, conditional: Condition !== undefined && Object.keys(Condition).length > 0, source };
  if (typeof Sid === 'string') statement.sid = Sid;
  if (Action !== undefined) statement.actions = stringList(Action, source, 'Action');
  else statement.notActions = stringList(NotAction, source, 'NotAction');
  if (Resource !== undefined) statement.resources = stringList(Resource, source, 'Resource');
  else statement.notResources = stringList(NotResource, source, 'NotResource');
  return statement;
}

/** A resolved policy document (`{ Version, Statement }`) into its statements. */
export function parsePolicyDocument(document: unknown, source: string): PolicyStatement[] {
  if (!isRecord(document)) throw new MalformedPolicyError(source, 'the policy document must be an object');
  const { Statement } = document;
  if (Statement === undefined) throw new MalformedPolicyError(source, 'the policy document has no Statement');
  const statements = Array.isArray(Statement) ? Statement : [Statement];
  return statements.map((statement, index) => parseStatement(statement, statements.length > 1 ? `${source}#${index}` : source));
}
