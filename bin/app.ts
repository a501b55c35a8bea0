#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { configFromContext } from '../lib/config.js';
import { ImStack } from '../lib/im-stack.js';

const app = new App();
const config = configFromContext(app);
new ImStack(app, 'ServerlessIm', {
  config,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
