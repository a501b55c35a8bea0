import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { configFromContext } from '../../lib/config.js';
import { ImStack } from '../../lib/im-stack.js';

interface Violation {
  ruleName: string;
  severity: string;
  violatingConstructs: { constructPath: string }[];
}
interface NagResult {
  violations: Violation[];
  template: { Resources: Record<string, { Metadata?: { cdk_nag?: { rules_to_suppress?: { id: string; reason: string }[] } } }> };
}

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** Synthesizes the stack as `cdk synth` does (bin/app.ts), with the AwsSolutions checks, and reads the report. */
function synthWithNag(context: Record<string, string> = {}): NagResult {
  const outdir = mkdtempSync(path.join(tmpdir(), 'im-nag-'));
  outdirs.push(outdir);
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...context } });
  new ImStack(app, 'ServerlessIm', { config: configFromContext(app) });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
  try {
    app.synth();
  } catch {
    // A failed validation may throw; the report below says what failed.
  }
  const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: { pluginName: string; violations: Violation[] }[];
  };
  return {
    violations: report.pluginReports.flatMap((plugin) => plugin.violations),
    template: JSON.parse(readFileSync(path.join(outdir, 'ServerlessIm.template.json'), 'utf8')),
  };
}

const describeViolations = (violations: Violation[]): string =>
  violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`).join('\n');

describe('cdk-nag AwsSolutions checks', () => {
  const configurations: [string, Record<string, string>][] = [
    ['default (dev, HS256)', {}],
    ['prod with alarm email', { stage: 'prod', alarmEmail: 'ops@example.com' }],
    ['OIDC without the account logs role', { auth: 'oidc', jwtIssuer: 'https://issuer.example.com', apiGatewayLogsRole: 'false' }],
    ['Cognito', { cognitoUserPoolId: 'eu-west-1_AbC123', cognitoClientId: '5d1uexampleclientid0000abcd' }],
    ['moderation hook', { moderationFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:moderate:live' }],
  ];

  for (const [name, context] of configurations) {
    it(`finds no unacknowledged error or warning: ${name}`, () => {
      const { violations, template } = synthWithNag(context);
      expect(violations, describeViolations(violations)).toEqual([]);

      // Every acknowledgement is written down with a reason a reviewer can judge.
      const acknowledged = Object.values(template.Resources).flatMap((resource) => resource.Metadata?.cdk_nag?.rules_to_suppress ?? []);
      expect(acknowledged.length).toBeGreaterThan(0);
      for (const { id, reason } of acknowledged) {
        expect(reason.length, id).toBeGreaterThan(40);
        // Only these rules are acknowledged; anything new needs a look (and a line in docs/deployment.md).
        expect(id, reason).toMatch(/^AwsSolutions-(IAM4|IAM5|L1|SMG4|APIG4|CW1|SNS2|S1|SQS3)\b/);
      }
    });
  }

  it('acknowledges IAM wildcards one finding at a time, never a whole rule', () => {
    const { template } = synthWithNag();
    const ids = Object.values(template.Resources).flatMap((resource) => (resource.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((rule) => rule.id));
    const wildcards = ids.filter((id) => id.startsWith('AwsSolutions-IAM5'));
    expect(wildcards.length).toBeGreaterThan(0);
    for (const id of wildcards) expect(id).toMatch(/^AwsSolutions-IAM5\[Resource::.*(\/index\/\*|\/(GET|POST|DELETE)\/@connections\/\*|\/\$default\/(GET|POST|DELETE)\/v1\/[\w*/]+|\/attachments\/\*|:endpoint\/(APNS|APNS_SANDBOX|GCM)\/[\w.-]+\/\*)\]$/);
  });

  it('reports what it is not told about', () => {
    // The check is live: a stack without acknowledgements has findings.
    const outdir = mkdtempSync(path.join(tmpdir(), 'im-nag-'));
    outdirs.push(outdir);
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new ImStack(app, 'ServerlessIm', { config: configFromContext(app) });
    new Secret(stack, 'Unacknowledged');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    try {
      app.synth();
    } catch {
      // reported below
    }
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: { violations: Violation[] }[] };
    const rules = report.pluginReports.flatMap((plugin) => plugin.violations.map((v) => v.ruleName));
    expect(rules).toContain('AwsSolutions-SMG4');
    expect(report.pluginReports.flatMap((plugin) => plugin.violations).find((v) => v.ruleName === 'AwsSolutions-SMG4')!.violatingConstructs).toEqual([
      expect.objectContaining({ constructPath: 'ServerlessIm/Unacknowledged/Resource' }),
    ]);
  });
});
