/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy` (cdk.json runs this file with tsx).
 * Settings come from CDK context (infra/context.ts); cdk-nag checks every synth.
 */
import { App } from 'aws-cdk-lib';
import { propsFromContext } from './context.js';
import { applyNagPacks } from './nag.js';
import { SettingsError } from './props.js';
import { VigilStack } from './vigil-stack.js';

const app = new App();
const context = app.node.getAllContext();
const stackName = typeof context.stackName === 'string' ? context.stackName : 'Vigil';
try {
  new VigilStack(app, stackName, {
    ...propsFromContext(context),
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
} catch (error) {
  // A bad setting is the operator's to fix: say what it is, without a stack trace.
  if (error instanceof SettingsError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
applyNagPacks(app);
app.synth();
