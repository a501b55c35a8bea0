#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configFromContext } from '../lib/config.js';
import { ImStack } from '../lib/im-stack.js';

const app = new App();
const config = configFromContext(app);
new ImStack(app, 'ServerlessIm', {
  config,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
// AWS Solutions best-practice checks run on every synth; what the stack accepts is acknowledged,
// with its reason, next to the resource (lib/nag-acknowledgements.ts and the constructs).
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
