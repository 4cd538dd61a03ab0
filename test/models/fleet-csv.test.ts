/** Fleet files: many hosts in one long CSV, each host's features computed with its own pipeline; `vigil train` on one. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HOST_FEATURE_SET, featureSetFor } from '../../core/features.js';
import { HOST_METRICS } from '../../core/host-metrics.js';
import { FeaturePipeline } from '../../features/pipeline.js';
import { firstTrainingRow } from '../../features/warm-up.js';
import { readModelDir } from '../../model-store/artifact.js';
import { parseMetricCsv } from '../../models/csv.js';
import { featureRowsOf } from '../../models/csv-features.js';
import {
  FLEET_REQUIRED_COLUMNS,
  fleetCsvHeader,
  fleetCsvLine,
  fleetFeatureSet,
  fleetTrainingRows,
  isFleetHeader,
  parseFleetCsv,
  type FleetRow,
} from '../../models/fleet-csv.js';
import { SimulatedFleet } from '../../simulate/fleet.js';
import { runVigil, type CliRun } from '../vigil-cli.js';

const work = mkdtempSync(join(tmpdir(), 'vigil-fleet-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Rows of a simulated fleet, interleaved by time as an export of many hosts is. */
function simulatedRows(hosts: number, days: number, intervalSeconds: number): FleetRow[] {
  const fleet = new SimulatedFleet({ hosts, seed: 3 });
  const start = Date.UTC(2026, 10, 2);
  const rows: FleetRow[] = [];
  for (let t = start; t < start + days * 86_400_000; t += intervalSeconds * 1000) {
    for (const s of fleet.sampleAt(t)) rows.push({ host: s.host, t: s.t, tags: { role: s.tags.role ?? 'none' }, values: s.values });
  }
  return rows;
}

function fleetText(rows: readonly FleetRow[], tagNames: string[] = ['role']): string {
  return [fleetCsvHeader(tagNames), ...rows.map((r) => fleetCsvLine(r, tagNames))].join('\n') + '\n';
}

describe('parseFleetCsv', () => {
  it('splits the rows by host, keeps each host’s rows in order with its tags, and round-trips the values', () => {
    const rows = simulatedRows(3, 0.1, 300);
    const fleet = parseFleetCsv(fleetText(rows));
    expect(fleet.metrics).toEqual(HOST_METRICS);
    expect(fleet.tagNames).toEqual(['role']);
    expect(fleet.hosts.map((h) => h.host)).toEqual([...new Set(rows.map((r) => r.host))]);
    for (const host of fleet.hosts) {
      const own = rows.filter((r) => r.host === host.host);
      expect(host.tags).toEqual(own[0]!.tags);
      expect(host.history.timestamps).toEqual(own.map((r) => r.t));
      expect(Array.from(host.history.columns.cpu_pct!)).toEqual(own.map((r) => r.values.cpu_pct));
    }
  });

  it('computes each host’s features with a pipeline of its own and leaves out each host’s warm-up day', () => {
    const rows = simulatedRows(2, 2, 600);
    const fleet = parseFleetCsv(fleetText(rows));
    const trained = fleetTrainingRows(fleet, HOST_FEATURE_SET);
    const expected = fleet.hosts.flatMap(({ host }) => {
      const own = rows.filter((r) => r.host === host);
      const csv = parseMetricCsv(
        [`timestamp,${HOST_METRICS.join(',')}`, ...own.map((r) => [new Date(r.t).toISOString(), ...HOST_METRICS.map((m) => r.values[m])].join(','))].join('\n'),
      );
      return featureRowsOf(csv, new FeaturePipeline(HOST_FEATURE_SET)).slice(firstTrainingRow(csv.timestamps));
    });
    expect(trained.length).toBe(expected.length);
    expect(trained.length).toBe(rows.length / 2); // two days per host, the first one left out
    expect(trained.map((r) => Array.from(r))).toEqual(expected.map((r) => Array.from(r)));
    // One pipeline over the interleaved rows would mix the hosts' normals: different features.
    const mixed = featureRowsOf(
      parseMetricCsv(
        [`timestamp,${HOST_METRICS.join(',')}`, ...rows.map((r) => [new Date(r.t).toISOString(), ...HOST_METRICS.map((m) => r.values[m])].join(','))].join(
          '\n',
        ),
      ),
      new FeaturePipeline(HOST_FEATURE_SET),
    );
    expect(mixed.at(-1)).not.toEqual(trained.at(-1));
  });

  it('trains the agent’s feature set when every host metric is there, and one for the metrics given otherwise', () => {
    expect(fleetFeatureSet(parseFleetCsv(fleetText(simulatedRows(1, 0.01, 60))))).toBe(HOST_FEATURE_SET);
    const partial = parseFleetCsv('host,timestamp,cpu_pct,mem_used_pct\nh1,2026-01-01T00:00:00Z,1,2\n');
    expect(fleetFeatureSet(partial)).toEqual(featureSetFor(['cpu_pct', 'mem_used_pct']));
  });

  it('reads missing cells as missing values, and quoted host ids and tags', () => {
    const fleet = parseFleetCsv('host,timestamp,env,cpu_pct\n"web,1",1767225600,"a ""b""",\nweb-2,1767225600,,5\n');
    expect(fleet.hosts.map((h) => [h.host, h.tags, Array.from(h.history.columns.cpu_pct!)])).toEqual([
      ['web,1', { env: 'a "b"' }, [NaN]],
      ['web-2', {}, [5]],
    ]);
    expect(isFleetHeader('timestamp;host;cpu_pct')).toBe(true);
    expect(isFleetHeader('timestamp,cpu_pct')).toBe(false);
  });

  it.each([
    ['timestamp,cpu_pct\n1,2\n', /no "host" column .* name the column of host ids `host`/],
    ['host,cpu_pct\nh,2\n', /no timestamp column/],
    ['host,timestamp,env\nh,1,prod\n', /no host-metric column .* cpu_pct, load1_per_cpu/],
    ['host,timestamp,Env,cpu_pct\nh,1,prod,2\n', /column "Env" is neither a host metric .* nor a valid tag name/],
    ['host,timestamp,cpu_pct\n,1,2\n', /fleet.csv:2: the host cell is empty/],
    ['host,timestamp,cpu_pct\nh,yesterday,2\n', /fleet.csv:2: unparsable timestamp "yesterday"/],
    ['host,timestamp,cpu_pct\nh,1,high\n', /fleet.csv:2: non-numeric value "high" in column cpu_pct/],
    ['host,timestamp,cpu_pct\nh,1\n', /fleet.csv:2: 2 fields where the header has 3/],
    ['host,timestamp,cpu_pct\n', /the file has a header but no rows/],
  ])('refuses %j, saying what to fix', (text, message) => {
    expect(() => parseFleetCsv(text, 'fleet.csv')).toThrow(message);
  });
});

const vigil = (...args: string[]): Promise<CliRun> => runVigil(args, { cwd: work, timeoutMs: 120_000 });

describe('vigil train on a fleet file', () => {
  it('lists the columns a publishable model needs in --help', async () => {
    const help = await vigil('train', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(FLEET_REQUIRED_COLUMNS.join(','));
  });

  it('trains one model in the agent’s feature order on the rows of every host', { timeout: 120_000 }, async () => {
    const file = join(work, 'fleet.csv');
    writeFileSync(file, fleetText(simulatedRows(3, 2, 300)));
    const run = await vigil('train', '--in', file, '--out', join(work, 'model'), '--trees', '20');
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/864 rows of 3 hosts/); // 3 hosts x (2 days - the warm-up day) at 5 min
    const { manifest } = readModelDir(join(work, 'model'));
    expect(manifest.featureSet.names).toEqual(HOST_FEATURE_SET.names);
    expect(manifest.training.rows).toBe(864);
    // Rows of many hosts are no host's history: no dwell band.
    expect(manifest.baseline.dwell).toBeUndefined();
  });

  it('refuses a row clock for a fleet file', async () => {
    const file = join(work, 'small-fleet.csv');
    writeFileSync(file, 'host,timestamp,cpu_pct\nh,1,2\nh,2,3\n');
    const run = await vigil('train', '--in', file, '--out', join(work, 'x'), '--interval-seconds', '10');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/is a fleet file .* leave out --interval-seconds/);
  });
});
