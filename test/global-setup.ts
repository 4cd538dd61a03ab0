/**
 * Real local endpoints for the whole test run: moto_server (AWS APIs) unless AWS_ENDPOINT_URL
 * already points at one (LocalStack), and Prometheus with the remote-write receiver.
 * Tests read the endpoints through inject('awsEndpoint') / inject('prometheusUrl').
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startMoto } from '../local/moto.js';
import { startPrometheus } from '../local/prometheus.js';
import type { RunningServer } from '../local/process.js';

declare module 'vitest' {
  export interface ProvidedContext {
    awsEndpoint: string;
    prometheusUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-test-'));
  const started: RunningServer[] = [];
  let awsEndpoint = process.env.AWS_ENDPOINT_URL;
  if (!awsEndpoint) {
    const moto = await startMoto(join(dataDir, 'moto'));
    started.push(moto);
    awsEndpoint = moto.url;
  }
  const prometheus = await startPrometheus({ dataDir: join(dataDir, 'prometheus') });
  started.push(prometheus);
  project.provide('awsEndpoint', awsEndpoint);
  project.provide('prometheusUrl', prometheus.url);
  return async () => {
    await Promise.all(started.map((server) => server.stop()));
  };
}
