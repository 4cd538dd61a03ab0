/**
 * Real local endpoints for the whole test run of one vitest project: the AWS endpoint the project is
 * named after (moto_server or LocalStack, see vitest.config.ts) unless AWS_ENDPOINT_URL already points
 * at one, and Prometheus with the remote-write receiver.
 * Tests read the endpoints through inject('awsEndpoint') / inject('prometheusUrl') / inject('awsEndpointKind').
 * First installs what the project's tests need and the machine lacks (scripts/setup.sh, through
 * local/setup.ts), saying what it installs, or why it cannot and what to run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalStack } from '../local/localstack.js';
import { startMoto } from '../local/moto.js';
import { startPrometheus } from '../local/prometheus.js';
import type { RunningServer } from '../local/process.js';
import { ensureInstalled, requireNodeMajor, type SetupPiece } from '../local/setup.js';
import { AWS_ENDPOINT_KINDS, type AwsEndpointKind } from './aws-endpoint-kind.js';

declare module 'vitest' {
  export interface ProvidedContext {
    awsEndpoint: string;
    awsEndpointKind: AwsEndpointKind | 'external';
    prometheusUrl: string;
  }
}

/**
 * What each project's tests need installed: Prometheus (with promtool, Alertmanager and amtool), the
 * AWS endpoint, and rpmbuild (the agent's packages, an AWS test); the moto project runs every other
 * test too, the Python worked example among them (scikit-learn in .venv).
 */
const PIECES: Record<AwsEndpointKind, readonly SetupPiece[]> = {
  moto: ['prometheus', 'moto', 'python', 'rpm'],
  localstack: ['prometheus', 'localstack', 'rpm'],
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const kind = AWS_ENDPOINT_KINDS.find((k) => k === project.name) ?? 'moto';
  requireNodeMajor();
  // An endpoint given through AWS_ENDPOINT_URL needs no local one installed.
  ensureInstalled(PIECES[kind].filter((piece) => !process.env.AWS_ENDPOINT_URL || (piece !== 'moto' && piece !== 'localstack')));
  const dataDir = mkdtempSync(join(tmpdir(), `vigil-test-${kind}-`));
  const started: RunningServer[] = [];
  const stopAll = (): Promise<unknown> => Promise.all(started.map((server) => server.stop()));
  try {
    let awsEndpoint = process.env.AWS_ENDPOINT_URL;
    if (!awsEndpoint) {
      const aws = kind === 'localstack' ? await startLocalStack(join(dataDir, 'localstack')) : await startMoto(join(dataDir, 'moto'));
      started.push(aws);
      awsEndpoint = aws.url;
    }
    const prometheus = await startPrometheus({ dataDir: join(dataDir, 'prometheus') });
    started.push(prometheus);
    project.provide('awsEndpoint', awsEndpoint);
    project.provide('awsEndpointKind', process.env.AWS_ENDPOINT_URL ? 'external' : kind);
    project.provide('prometheusUrl', prometheus.url);
  } catch (error) {
    await stopAll();
    throw error;
  }
  return async () => {
    await stopAll();
  };
}
