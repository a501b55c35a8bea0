import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { CfnPolicy } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges the cdk-nag findings (AwsSolutions) that stem from DynamoDB grants, one policy and
 * one finding at a time. Call it once every grant is made. The other acknowledgements sit next to
 * the resource they concern (handler-function.ts, token-auth.ts, websocket-gateway.ts, monitoring.ts).
 *
 * `table.grantReadData(fn)` and friends add `<table ARN>/index/*` when the table has a global
 * secondary index, so the function can query it. Each table here has at most one index, declared
 * in lib/constructs for an access pattern of docs/data-model.md, so the wildcard names that index
 * and whatever index a reviewed change adds later; no other table or action is covered.
 */
export function acknowledgeFindings(stack: Stack): void {
  const indexedTables = new Map<string, TableV2>();
  for (const construct of stack.node.findAll()) {
    if (construct instanceof TableV2) {
      indexedTables.set(stack.getLogicalId(construct.node.defaultChild as CfnElement), construct);
    }
  }
  for (const construct of stack.node.findAll()) {
    if (!(construct instanceof CfnPolicy)) continue;
    for (const logicalId of indexWildcardTables(stack, construct)) {
      if (!indexedTables.has(logicalId)) continue;
      Validations.of(construct as IConstruct).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/index/*]`,
        reason: `The grant on table ${logicalId} includes its global secondary index (<table ARN>/index/*), which the function queries; the table has one index, for an access pattern of docs/data-model.md.`,
      });
    }
  }
}

/** Logical ids of the tables whose `.../index/*` ARN appears as a Resource of the policy. */
function indexWildcardTables(stack: Stack, policy: CfnPolicy): string[] {
  const document = stack.resolve(policy.policyDocument) as { Statement?: { Resource?: unknown }[] };
  const found = new Set<string>();
  for (const statement of document.Statement ?? []) {
    const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    for (const resource of resources) {
      const join = (resource as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
      if (!join || join[0] !== '' || join[1].length !== 2 || join[1][1] !== '/index/*') continue;
      const getAtt = (join[1][0] as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (getAtt && getAtt[1] === 'Arn') found.add(getAtt[0]);
    }
  }
  return [...found];
}
