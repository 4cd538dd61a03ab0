/**
 * The context block of cdk.json (the CDK feature flags), for code that builds the app without the
 * CDK CLI (tests, benchmarks) and must synthesize what `cdk synth` does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function cdkJsonContext(projectRoot: string): Record<string, unknown> {
  const file = join(projectRoot, 'cdk.json');
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { context?: Record<string, unknown> };
  return parsed.context ?? {};
}
