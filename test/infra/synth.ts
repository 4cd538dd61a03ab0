/**
 * Synthesizes the vigil stack for a test. Bundling the function is skipped unless asked for
 * (the asset tests bundle once per file); templates are otherwise identical.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll } from 'vitest';
import { cdkJsonContext } from '../../infra/cdk-json.js';
import { PROJECT_ROOT, VigilStack } from '../../infra/vigil-stack.js';
import type { VigilStackProps } from '../../infra/vigil-stack.js';

export interface Synthesized {
  readonly app: App;
  readonly stack: VigilStack;
  readonly template: Template;
  /** The cloud assembly directory. */
  readonly outdir: string;
}

// The built-in CloudFormation schema validation takes seconds to load per process; the `cdk synth`
// test (cdk-cli.test.ts) runs it, template tests skip it.
process.env.CDK_VALIDATION = 'false';

/** The feature flags of cdk.json, so tests synthesize what `cdk synth` does. */
export const CDK_JSON_CONTEXT = cdkJsonContext(PROJECT_ROOT);

// Cloud assemblies (a bundled one holds ~30 MB) are removed when the importing test file is done.
const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** `change` runs on the stack before it is synthesized (tests that add a resource or permission). */
export function synthVigil(props: VigilStackProps = {}, options: { bundle?: boolean; change?: (stack: VigilStack) => void } = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'vigil-cdk-'));
  outdirs.push(outdir);
  const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) } });
  const stack = new VigilStack(app, 'Vigil', props);
  options.change?.(stack);
  const template = Template.fromStack(stack);
  return { app, stack, template, outdir };
}

/** Resources of one CloudFormation type, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, { Properties?: Record<string, unknown> }> {
  return template.findResources(type) as Record<string, { Properties?: Record<string, unknown> }>;
}

/** The only resource of a type: fails the test when there is not exactly one. */
export function onlyResource(template: Template, type: string): Record<string, unknown> {
  const found = Object.values(resourcesOf(template, type));
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0]!.Properties ?? {};
}

/** The score function's properties (the stack has other functions too: the default model's). */
export function scoreFunction(template: Template): Record<string, unknown> {
  const found = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).filter((r) =>
    String(r.Properties?.Description ?? '').includes('scores host metric records'),
  );
  if (found.length !== 1) throw new Error(`expected exactly one score function, found ${found.length}`);
  return found[0]!.Properties ?? {};
}

/** Every settings combination the tests check nag and IAM on. */
export const CONFIGURATIONS: Record<string, VigilStackProps> = {
  defaults: {},
  everything: { sinks: ['prometheus', 'timestream'], grafana: true, alarmEmail: 'ops@example.com', tracing: true },
  'timestream only, provisioned': { sinks: ['timestream'], streamMode: 'provisioned', shardCount: 2, grafana: true },
};
