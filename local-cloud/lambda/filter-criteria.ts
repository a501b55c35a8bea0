/**
 * Lambda event filtering (`FilterCriteria.Filters[].Pattern`): a record reaches the function when
 * it matches at least one pattern; the others count as processed and are never delivered.
 * The syntax is Lambda's (invocation-eventfiltering): nested objects select fields, a list of
 * matchers at a leaf matches when any of them does (and an array field when any element does),
 * `$or` takes a list of sub-patterns. Matchers: a string, number, boolean or null (equality; a DynamoDB `BOOL` is matched with `[true]`), `{prefix}`,
 * `{suffix}`, `{equals-ignore-case}`, `{anything-but: value | [values] | {prefix} | {suffix}}`,
 * `{numeric: [op, n, op, n]}`, `{exists: boolean}`; `""` matches an empty string.
 * CreateEventSourceMapping refuses a pattern it cannot parse; so does `parseFilterPattern`.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

type Matcher =
  | { kind: 'equals'; value: string | number | boolean | null }
  | { kind: 'prefix' | 'suffix'; value: string; ignoreCase: boolean }
  | { kind: 'equals-ignore-case'; value: string }
  | { kind: 'anything-but'; values: (string | number)[] }
  | { kind: 'anything-but-prefix' | 'anything-but-suffix'; value: string }
  | { kind: 'numeric'; ranges: [string, number][] }
  | { kind: 'exists'; exists: boolean };

export class InvalidFilterPatternError extends Error {
  constructor(pattern: string, reason: string) {
    super(`Invalid filter pattern definition ${pattern}: ${reason}`);
    this.name = 'InvalidFilterPatternError';
  }
}

interface ParsedNode {
  fields: Map<string, ParsedNode | Matcher[]>;
  or: ParsedNode[];
}

export class EventFilter {
  private constructor(private readonly patterns: ParsedNode[]) {}

  /** An empty list means no filtering: everything matches. */
  static fromPatterns(patterns: readonly string[]): EventFilter {
    return new EventFilter(patterns.map(parseFilterPattern));
  }

  get filters(): boolean {
    return this.patterns.length > 0;
  }

  matches(event: unknown): boolean {
    return this.patterns.length === 0 || this.patterns.some((pattern) => matchesNode(pattern, event));
  }
}

export function parseFilterPattern(text: string): ParsedNode {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidFilterPatternError(text, 'not JSON');
  }
  if (!isObject(json)) throw new InvalidFilterPatternError(text, 'a pattern is a JSON object');
  return parseNode(json as Record<string, Json>, text);
}

function parseNode(node: Record<string, Json>, text: string): ParsedNode {
  const parsed: ParsedNode = { fields: new Map(), or: [] };
  for (const [key, value] of Object.entries(node)) {
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) {
        throw new InvalidFilterPatternError(text, '$or takes a list of at least two patterns');
      }
      parsed.or = value.map((item) => parseNode(item as Record<string, Json>, text));
    } else if (Array.isArray(value)) {
      if (value.length === 0) throw new InvalidFilterPatternError(text, `${key}: an empty list matches nothing`);
      parsed.fields.set(key, value.map((item) => parseMatcher(item, text)));
    } else if (isObject(value)) {
      parsed.fields.set(key, parseNode(value as Record<string, Json>, text));
    } else {
      throw new InvalidFilterPatternError(text, `${key}: a leaf must be a list of matchers`);
    }
  }
  return parsed;
}

function parseMatcher(item: Json, text: string): Matcher {
  if (item === null || typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') return { kind: 'equals', value: item };
  if (!isObject(item)) throw new InvalidFilterPatternError(text, `unsupported matcher ${JSON.stringify(item)}`);
  const entries = Object.entries(item as Record<string, Json>);
  if (entries.length !== 1) throw new InvalidFilterPatternError(text, `a matcher has exactly one key: ${JSON.stringify(item)}`);
  const [name, argument] = entries[0]!;
  const invalid = (): never => {
    throw new InvalidFilterPatternError(text, `invalid ${name} matcher ${JSON.stringify(item)}`);
  };
  switch (name) {
    case 'prefix':
    case 'suffix': {
      if (typeof argument === 'string') return { kind: name, value: argument, ignoreCase: false };
      const folded = isObject(argument) ? (argument as Record<string, Json>)['equals-ignore-case'] : undefined;
      return typeof folded === 'string' ? { kind: name, value: folded.toLowerCase(), ignoreCase: true } : invalid();
    }
    case 'equals-ignore-case':
      return typeof argument === 'string' ? { kind: name, value: argument.toLowerCase() } : invalid();
    case 'anything-but': {
      if (typeof argument === 'string' || typeof argument === 'number') return { kind: name, values: [argument] };
      if (Array.isArray(argument) && argument.length > 0 && argument.every((v) => typeof v === 'string' || typeof v === 'number')) {
        return { kind: name, values: argument as (string | number)[] };
      }
      if (isObject(argument)) {
        const inner = Object.entries(argument as Record<string, Json>);
        const [innerName, innerValue] = inner[0] ?? [];
        if (inner.length === 1 && (innerName === 'prefix' || innerName === 'suffix') && typeof innerValue === 'string') {
          return { kind: innerName === 'prefix' ? 'anything-but-prefix' : 'anything-but-suffix', value: innerValue };
        }
      }
      return invalid();
    }
    case 'numeric': {
      if (!Array.isArray(argument) || argument.length === 0 || argument.length % 2 !== 0 || argument.length > 4) return invalid();
      const ranges: [string, number][] = [];
      for (let index = 0; index < argument.length; index += 2) {
        const [op, bound] = [argument[index], argument[index + 1]];
        if (typeof op !== 'string' || !['=', '<', '<=', '>', '>='].includes(op) || typeof bound !== 'number') return invalid();
        ranges.push([op, bound]);
      }
      return { kind: 'numeric', ranges };
    }
    case 'exists':
      return typeof argument === 'boolean' ? { kind: 'exists', exists: argument } : invalid();
    default:
      return invalid();
  }
}

function matchesNode(node: ParsedNode, value: unknown): boolean {
  for (const [key, expected] of node.fields) {
    const present = isObject(value) && Object.hasOwn(value as object, key);
    const field = present ? (value as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(expected)) {
      if (!matchesLeaf(expected, present, field)) return false;
    } else if (!matchesNode(expected, field)) {
      // Below an absent object, only `exists: false` matches.
      return false;
    }
  }
  return node.or.length === 0 || node.or.some((alternative) => matchesNode(alternative, value));
}

function matchesLeaf(matchers: Matcher[], present: boolean, field: unknown): boolean {
  const candidates = Array.isArray(field) ? field : [field];
  return matchers.some((matcher) => {
    if (matcher.kind === 'exists') return matcher.exists === (present && !isObject(field));
    if (!present) return false;
    return candidates.some((candidate) => matchesValue(matcher, candidate));
  });
}

function matchesValue(matcher: Exclude<Matcher, { kind: 'exists' }>, value: unknown): boolean {
  switch (matcher.kind) {
    case 'equals':
      return value === matcher.value;
    case 'prefix':
    case 'suffix': {
      if (typeof value !== 'string') return false;
      const subject = matcher.ignoreCase ? value.toLowerCase() : value;
      return matcher.kind === 'prefix' ? subject.startsWith(matcher.value) : subject.endsWith(matcher.value);
    }
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === matcher.value;
    case 'anything-but':
      return (typeof value === 'string' || typeof value === 'number') && !matcher.values.includes(value);
    case 'anything-but-prefix':
      return typeof value === 'string' && !value.startsWith(matcher.value);
    case 'anything-but-suffix':
      return typeof value === 'string' && !value.endsWith(matcher.value);
    case 'numeric':
      return typeof value === 'number' && matcher.ranges.every(([op, bound]) => compare(value, op, bound));
  }
}

function compare(value: number, op: string, bound: number): boolean {
  switch (op) {
    case '=':
      return value === bound;
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    default:
      return value >= bound;
  }
}

const isObject = (value: unknown): boolean => value !== null && typeof value === 'object' && !Array.isArray(value);
