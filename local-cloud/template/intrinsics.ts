import type { TemplateValue } from './cloud-model.js';

/** A deployed resource's identity as CloudFormation exposes it: `Ref` and `Fn::GetAtt`. */
export interface PhysicalResource {
  ref: string;
  attributes: Record<string, string>;
}

export interface ResolveContext {
  region: string;
  accountId: string;
  stackName: string;
  resources: ReadonlyMap<string, PhysicalResource>;
  parameters?: Readonly<Record<string, string>>;
  conditions?: Readonly<Record<string, TemplateValue>>;
}

/** The template uses something the local cloud cannot compute; the message names it. */
export class UnresolvableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnresolvableError';
  }
}

/** `AWS::NoValue` removes the property it stands in. */
const NO_VALUE = Symbol('AWS::NoValue');

function pseudoParameter(name: string, context: ResolveContext): string | typeof NO_VALUE | undefined {
  switch (name) {
    case 'AWS::Region':
      return context.region;
    case 'AWS::AccountId':
      return context.accountId;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return context.stackName;
    case 'AWS::StackId':
      return `arn:aws:cloudformation:${context.region}:${context.accountId}:stack/${context.stackName}/00000000-0000-0000-0000-000000000000`;
    case 'AWS::NoValue':
      return NO_VALUE;
    default:
      return undefined;
  }
}

function asString(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new UnresolvableError(`${where} did not resolve to a string`);
}

function resolveRef(name: string, context: ResolveContext): unknown {
  const pseudo = pseudoParameter(name, context);
  if (pseudo !== undefined) return pseudo;
  const parameter = context.parameters?.[name];
  if (parameter !== undefined) return parameter;
  const resource = context.resources.get(name);
  if (!resource) throw new UnresolvableError(`Ref to unknown resource ${name}`);
  return resource.ref;
}

function getAtt(args: unknown, context: ResolveContext): string {
  const [logicalId, attribute] = typeof args === 'string' ? args.split('.', 2) : (args as [string, string]);
  if (typeof logicalId !== 'string' || typeof attribute !== 'string') {
    throw new UnresolvableError(`unsupported Fn::GetAtt ${JSON.stringify(args)}`);
  }
  const resource = context.resources.get(logicalId);
  const value = resource?.attributes[attribute];
  if (value === undefined) throw new UnresolvableError(`Fn::GetAtt ${logicalId}.${attribute} is not known locally`);
  return value;
}

function substitute(template: string, variables: Record<string, unknown>, context: ResolveContext): string {
  return template.replace(/\$\{([^}]+)\}/g, (_match, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (name in variables) return asString(resolveValue(variables[name], context), `Fn::Sub variable ${name}`);
    if (name.includes('.')) return getAtt(name, context);
    return asString(resolveRef(name, context), `Fn::Sub \${${name}}`);
  });
}

function evaluateCondition(name: string, context: ResolveContext): boolean {
  const definition = context.conditions?.[name];
  if (definition === undefined) throw new UnresolvableError(`unknown condition ${name}`);
  return Boolean(resolveValue(definition, context));
}

function resolveFunction(name: string, args: unknown, context: ResolveContext): unknown {
  const list = (value: unknown): unknown[] => {
    const resolved = resolveValue(value, context);
    if (!Array.isArray(resolved)) throw new UnresolvableError(`${name} expects a list`);
    return resolved;
  };
  switch (name) {
    case 'Ref':
      return resolveRef(asString(args, 'Ref'), context);
    case 'Fn::GetAtt':
      return getAtt(args, context);
    case 'Fn::Join': {
      const [separator, items] = args as [string, unknown];
      return list(items)
        .map((item) => asString(item, 'Fn::Join item'))
        .join(separator);
    }
    case 'Fn::Sub': {
      if (typeof args === 'string') return substitute(args, {}, context);
      const [template, variables] = args as [string, Record<string, unknown>];
      return substitute(template, variables, context);
    }
    case 'Fn::Select': {
      const [index, items] = args as [unknown, unknown];
      const position = Number(resolveValue(index, context));
      return list(items)[position];
    }
    case 'Fn::Split': {
      const [separator, source] = args as [string, unknown];
      return asString(resolveValue(source, context), 'Fn::Split source').split(separator);
    }
    case 'Fn::If': {
      const [condition, whenTrue, whenFalse] = args as [string, unknown, unknown];
      return resolveValue(evaluateCondition(condition, context) ? whenTrue : whenFalse, context);
    }
    case 'Fn::Equals': {
      const [left, right] = args as [unknown, unknown];
      return JSON.stringify(resolveValue(left, context)) === JSON.stringify(resolveValue(right, context));
    }
    case 'Fn::Not':
      return !(resolveValue((args as unknown[])[0], context) as boolean);
    case 'Fn::And':
      return (args as unknown[]).every((item) => Boolean(resolveValue(item, context)));
    case 'Fn::Or':
      return (args as unknown[]).some((item) => Boolean(resolveValue(item, context)));
    case 'Condition':
      return evaluateCondition(asString(args, 'Condition'), context);
    default:
      throw new UnresolvableError(`intrinsic function ${name} is not supported by the local cloud`);
  }
}

/** Evaluates CloudFormation intrinsic functions the way a deployment would, with local physical ids. */
export function resolveValue(value: TemplateValue, context: ResolveContext): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => resolveValue(item, context)).filter((item) => item !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const [first] = entries;
  if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::') || first[0] === 'Condition')) {
    return resolveFunction(first[0], first[1], context);
  }
  const result: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    const resolved = resolveValue(item, context);
    if (resolved !== NO_VALUE) result[key] = resolved;
  }
  return result;
}

export function resolveString(value: TemplateValue, context: ResolveContext, where: string): string {
  return asString(resolveValue(value, context), where);
}
