import type { PolicyStatement } from './policy-document.js';
import { actionMatches, resourceMatches } from './wildcard.js';

/**
 * IAM's evaluation of identity-based policies for one request within one account (local
 * emulation): an explicit Deny in any applying statement wins; otherwise an applying Allow
 * allows; otherwise the request is implicitly denied. A statement applies when its action part
 * (`Action` matches, or `NotAction` does not) and its resource part (`Resource` matches, or
 * `NotResource` does not) both cover the request.
 *
 * Conditions are not evaluated: an Allow with a `Condition` counts as applying and a Deny with
 * one as not applying, so the local cloud never refuses what AWS might allow because of a
 * condition (it may allow more than AWS where a condition would not hold).
 */

export type Decision = 'allow' | 'implicit-deny' | 'explicit-deny';

export interface AccessRequest {
  /** `service:Operation`, e.g. `dynamodb:PutItem`. */
  action: string;
  /** The resource ARN, or `*` for actions that take no resource. */
  resource: string;
}

export interface Evaluation {
  decision: Decision;
  /** The statements that decided: the denying ones, else the allowing ones; empty for an implicit deny. */
  deciding: PolicyStatement[];
}

export function statementCoversAction(statement: PolicyStatement, action: string): boolean {
  if (statement.actions) return statement.actions.some((pattern) => actionMatches(pattern, action));
  return !(statement.notActions ?? []).some((pattern) => actionMatches(pattern, action));
}

export function statementCoversResource(statement: PolicyStatement, resource: string): boolean {
  if (statement.resources) return statement.resources.some((pattern) => resourceMatches(pattern, resource));
  return !(statement.notResources ?? []).some((pattern) => resourceMatches(pattern, resource));
}

export function statementApplies(statement: PolicyStatement, request: AccessRequest): boolean {
  return statementCoversAction(statement, request.action) && statementCoversResource(statement, request.resource);
}

export function evaluate(statements: readonly PolicyStatement[], request: AccessRequest): Evaluation {
  const applying = statements.filter((statement) => statementApplies(statement, request));
  const denying = applying.filter((statement) => statement.effect === 'Deny' && !statement.conditional);
  if (denying.length > 0) return { decision: 'explicit-deny', deciding: denying };
  const allowing = applying.filter((statement) => statement.effect === 'Allow');
  if (allowing.length > 0) return { decision: 'allow', deciding: allowing };
  return { decision: 'implicit-deny', deciding: [] };
}
