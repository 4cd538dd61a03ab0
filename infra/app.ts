/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy` (cdk.json runs this file with tsx).
 * Settings come from CDK context (infra/context.ts); cdk-nag checks every synth.
 */
import { App } from 'aws-cdk-lib';
import { propsFromContext } from './context.js';
import { applyNagPacks } from './nag.js';
import { VigilStack } from './vigil-stack.js';

const app = new App();
const context = app.node.getAllContext();
const stackName = typeof context.stackName === 'string' ? context.stackName : 'Vigil';
new VigilStack(app, stackName, {
  ...propsFromContext(context),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
applyNagPacks(app);
app.synth();
