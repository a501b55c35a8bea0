import type { CloudFormationResource, CloudFormationTemplate } from '../template/cloud-model.js';
import { type ResolveContext, resolveValue, UnresolvableError } from '../template/intrinsics.js';
import { referencedLogicalIds } from '../template/read-template.js';
import { awsManagedPolicyStatements } from './managed-policies.js';
import { MalformedPolicyError, parseStatement, type PolicyStatement } from './policy-document.js';

/**
 * Everything a role of the template is allowed and denied, resolved to local physical names:
 * the `AWS::IAM::Policy` / `AWS::IAM::RolePolicy` / in-stack `AWS::IAM::ManagedPolicy`
 * resources attached to it, its inline `Policies`, and its `ManagedPolicyArns` (AWS managed
 * policies the local cloud knows, see managed-policies.ts). Resolve only once every physical
 * name is known (queue URLs included).
 */
export interface RolePolicies {
  roleLogicalId: string;
  /** Physical role name: the middle part of `assumed-role/{role}/{session}`. */
  roleName: string;
  roleArn: string;
  statements: PolicyStatement[];
  /** What the local cloud could not take into account, one sentence each (printed at start). */
  warnings: string[];
}

const props = (resource: CloudFormationResource | undefined): Record<string, unknown> => resource?.Properties ?? {};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isIntrinsic = (value: Record<string, unknown>): boolean => {
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::') || keys[0] === 'Condition');
};

/**
 * A statement element (`Action`, `Resource`, ...) resolved item by item: an item the local cloud
 * cannot resolve is left out with a warning rather than failing the whole start.
 */
function resolveElement(raw: unknown, context: ResolveContext, where: string, warnings: string[]): unknown {
  if (raw === undefined) return undefined;
  const items = Array.isArray(raw) ? raw : [raw];
  const resolved: unknown[] = [];
  for (const item of items) {
    try {
      const value = resolveValue(item, context);
      if (Array.isArray(value)) resolved.push(...value);
      else if (typeof value !== 'symbol') resolved.push(value);
    } catch (error) {
      if (!(error instanceof UnresolvableError)) throw error;
      warnings.push(`${where}: left out ${JSON.stringify(item)} (${error.message})`);
    }
  }
  return Array.isArray(raw) || resolved.length !== 1 ? resolved : resolved[0];
}

function resolveStatements(document: unknown, context: ResolveContext, source: string, warnings: string[]): PolicyStatement[] {
  let resolvedDocument = document;
  if (isRecord(document) && isIntrinsic(document)) resolvedDocument = resolveValue(document, context);
  if (!isRecord(resolvedDocument)) throw new MalformedPolicyError(source, 'the policy document must be an object');
  let rawStatements = resolvedDocument.Statement;
  if (isRecord(rawStatements) && isIntrinsic(rawStatements)) rawStatements = resolveValue(rawStatements, context);
  if (rawStatements === undefined) throw new MalformedPolicyError(source, 'the policy document has no Statement');
  const list = Array.isArray(rawStatements) ? rawStatements : [rawStatements];
  const statements: PolicyStatement[] = [];
  list.forEach((raw, index) => {
    const where = list.length > 1 ? `${source} statement ${index}` : source;
    const statement = isRecord(raw) && isIntrinsic(raw) ? resolveValue(raw, context) : raw;
    if (typeof statement === 'symbol') return; // Fn::If ... AWS::NoValue
    if (!isRecord(statement)) throw new MalformedPolicyError(where, 'a statement must be an object');
    const resolved: Record<string, unknown> = { ...statement };
    for (const element of ['Effect', 'Sid', 'Action', 'NotAction', 'Resource', 'NotResource']) {
      if (statement[element] !== undefined) resolved[element] = resolveElement(statement[element], context, `${where} ${element}`, warnings);
    }
    for (const element of ['Action', 'NotAction', 'Resource', 'NotResource']) {
      const value = resolved[element];
      if (Array.isArray(value) && value.length === 0 && statement[element] !== undefined && (!Array.isArray(statement[element]) || (statement[element] as unknown[]).length > 0)) {
        // Every item was left out: the statement cannot be evaluated as written.
        warnings.push(`${where}: left out the whole statement, none of its ${element} could be resolved locally`);
        return;
      }
    }
    statements.push(parseStatement(resolved, where));
  });
  return statements;
}

/** Whether a `Roles` / `RoleName` value of a policy resource names the role. */
function namesRole(value: unknown, roleLogicalId: string, roleName: string, context: ResolveContext): boolean {
  if (value === undefined) return false;
  if (referencedLogicalIds(value).includes(roleLogicalId)) return true;
  try {
    const resolved = resolveValue(value, context);
    const names = Array.isArray(resolved) ? resolved : [resolved];
    // `Roles` takes names; an ARN of the role is accepted here too, leniently.
    return names.some((name) => name === roleName || (typeof name === 'string' && name.endsWith(`:role/${roleName}`)));
  } catch {
    return false;
  }
}

export function rolePolicies(template: CloudFormationTemplate, roleLogicalId: string, context: ResolveContext): RolePolicies {
  const role = template.Resources[roleLogicalId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is not an AWS::IAM::Role of the template`);
  const physical = context.resources.get(roleLogicalId);
  const roleName = physical?.ref ?? roleLogicalId;
  const roleArn = physical?.attributes.Arn ?? `arn:aws:iam::${context.accountId}:role/${roleName}`;
  const statements: PolicyStatement[] = [];
  const warnings: string[] = [];
  const roleProps = props(role);

  // Inline policies of the role itself.
  const inline = roleProps.Policies === undefined ? [] : resolveInlineList(roleProps.Policies, context);
  for (const policy of inline) {
    const name = isRecord(policy) && typeof policy.PolicyName === 'string' ? policy.PolicyName : '?';
    if (!isRecord(policy)) continue;
    statements.push(...resolveStatements(policy.PolicyDocument, context, `${roleLogicalId}.Policies[${name}]`, warnings));
  }

  // Managed policies named by the role: in-stack ones are read below; AWS managed ones from the table.
  const attachedManaged = new Set<string>();
  const managedArns = roleProps.ManagedPolicyArns === undefined ? [] : Array.isArray(roleProps.ManagedPolicyArns) ? roleProps.ManagedPolicyArns : [roleProps.ManagedPolicyArns];
  for (const entry of managedArns) {
    const inStack = referencedLogicalIds(entry).find((id) => template.Resources[id]?.Type === 'AWS::IAM::ManagedPolicy');
    if (inStack) {
      attachedManaged.add(inStack);
      continue;
    }
    let arn: unknown;
    try {
      arn = resolveValue(entry, context);
    } catch (error) {
      if (!(error instanceof UnresolvableError)) throw error;
      warnings.push(`${roleLogicalId}: managed policy ${JSON.stringify(entry)} could not be resolved locally; it counts as granting nothing`);
      continue;
    }
    const known = typeof arn === 'string' ? awsManagedPolicyStatements(arn) : undefined;
    if (known) statements.push(...known);
    else warnings.push(`${roleLogicalId}: managed policy ${String(arn)} is not known locally; it counts as granting nothing`);
  }

  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const p = props(resource);
    switch (resource.Type) {
      case 'AWS::IAM::Policy':
        if (namesRole(p.Roles, roleLogicalId, roleName, context)) statements.push(...resolveStatements(p.PolicyDocument, context, logicalId, warnings));
        break;
      case 'AWS::IAM::RolePolicy':
        if (namesRole(p.RoleName, roleLogicalId, roleName, context)) statements.push(...resolveStatements(p.PolicyDocument, context, logicalId, warnings));
        break;
      case 'AWS::IAM::ManagedPolicy':
        if (attachedManaged.has(logicalId) || namesRole(p.Roles, roleLogicalId, roleName, context)) {
          statements.push(...resolveStatements(p.PolicyDocument, context, logicalId, warnings));
        }
        break;
      default:
    }
  }

  if (roleProps.PermissionsBoundary !== undefined) {
    warnings.push(`${roleLogicalId}: its permissions boundary is not evaluated locally (only its identity-based policies are)`);
  }
  return { roleLogicalId, roleName, roleArn, statements, warnings };
}

function resolveInlineList(value: unknown, context: ResolveContext): unknown[] {
  const list = isRecord(value) && isIntrinsic(value) ? resolveValue(value, context) : value;
  if (!Array.isArray(list)) return [];
  return list.map((item) => (isRecord(item) && isIntrinsic(item) ? resolveValue(item, context) : item));
}
