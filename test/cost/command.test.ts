/** `vigil cost` as a user runs it: the real CLI in a child process. */
import { describe, expect, it } from 'vitest';
import type { CostEstimate } from '../../cost/model.js';
import { runVigil, type CliRun } from '../vigil-cli.js';

const vigil = (...args: string[]): Promise<CliRun> => runVigil(args);

const money = (text: string): number => Number(text.replace(/,/g, ''));

describe('vigil cost', () => {
  it('prints every component, a total that adds up, the cost per host, and the CloudWatch comparison', async () => {
    const run = await vigil('cost', '--hosts', '1000', '--interval', '10');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out).toContain('1,000 hosts, one sample every 10 s');
    expect(out).toMatch(/us-east-1, as of \d{4}-\d{2}-\d{2}/);
    for (const component of ['Kinesis (on-demand)', 'Lambda (arm64)', 'Timestream', 'Managed Prometheus', 'S3', 'Managed Grafana', 'CloudWatch'])
      expect(out).toContain(component);
    const [vigilPart, cloudwatchPart] = out.split('The same fleet on CloudWatch');
    const amounts = [...vigilPart!.matchAll(/^(?!total|per host).*\s([\d,]+\.\d{2})$/gm)].map((m) => money(m[1]!));
    const total = money(/^total\s+([\d,]+\.\d{2})$/m.exec(vigilPart!)![1]!);
    const perHost = money(/^per host\s+([\d,]+\.\d{2})$/m.exec(vigilPart!)![1]!);
    expect(amounts.length).toBeGreaterThanOrEqual(12);
    expect(total).toBeCloseTo(
      amounts.reduce((a, b) => a + b, 0),
      0,
    );
    expect(perHost).toBeCloseTo(total / 1000, 2);
    const cloudwatchTotal = money(/^total\s+([\d,]+\.\d{2})$/m.exec(cloudwatchPart!)![1]!);
    expect(cloudwatchTotal).toBeGreaterThan(total);
  });

  it('--json gives the estimate as data; fewer sinks and more samples per record cost less', async () => {
    const runs = await Promise.all([
      vigil('cost', '--hosts', '100', '--sinks', 'prometheus,timestream', '--json'),
      vigil('cost', '--hosts', '100', '--samples-per-record', '6', '--json'),
    ]);
    const [full, lean] = runs.map((run) => JSON.parse(run.stdout) as CostEstimate) as [CostEstimate, CostEstimate];
    expect(full.inputs).toMatchObject({ hosts: 100, intervalSeconds: 10, sinks: ['prometheus', 'timestream'] });
    expect(full.measured.samplesPerRecord).toBe(1);
    expect(lean.measured.samplesPerRecord).toBe(6);
    // The stack's default: Prometheus only.
    expect(lean.inputs.sinks).toEqual(['prometheus']);
    expect(lean.lines.some((l) => l.component === 'Timestream')).toBe(false);
    expect(lean.totalUsd).toBeLessThan(full.totalUsd);
  });

  it('a comma list of host counts compares fleet sizes in one Markdown table, sizes measured once', async () => {
    const [markdown, json] = await Promise.all([vigil('cost', '--hosts', '100,1000,10000'), vigil('cost', '--hosts', '100,10000', '--json')]);
    expect(markdown.code).toBe(0);
    const lines = markdown.stdout.trim().split('\n');
    expect(lines).toContain('|  | 100 hosts | 1,000 hosts | 10,000 hosts |');
    const totals = /^\| \*\*vigil total\*\* \| (.*) \|$/m
      .exec(markdown.stdout)![1]!
      .split(' | ')
      .map((cell) => money(cell.replace(/[*$]/g, '')));
    expect(totals).toHaveLength(3);
    expect(totals[0]!).toBeLessThan(totals[1]!);
    expect(totals[1]!).toBeLessThan(totals[2]!);
    const estimates = JSON.parse(json.stdout) as CostEstimate[];
    expect(estimates.map((e) => e.inputs.hosts)).toEqual([100, 10000]);
    expect(estimates[0]!.measured).toEqual(estimates[1]!.measured);
    expect(estimates[1]!.perHostUsd).toBeLessThan(estimates[0]!.perHostUsd); // fixed costs spread over more hosts
  });

  it('rejects bad flags with the flag, the value and the choices', async () => {
    const [noHosts, badHosts, badSink] = await Promise.all([
      vigil('cost'),
      vigil('cost', '--hosts', '100,many'),
      vigil('cost', '--hosts', '10', '--sinks', 'prometheus,influx'),
    ]);
    expect(noHosts.code).not.toBe(0);
    expect(noHosts.stderr).toContain("required option '--hosts <n>' not specified");
    expect(badHosts.code).not.toBe(0);
    expect(badHosts.stderr).toContain('--hosts must be a whole number >= 1; got "many"');
    expect(badSink.code).not.toBe(0);
    expect(badSink.stderr).toContain('--sinks: unknown sink "influx"; choose from prometheus, timestream');
  });

  it('prices the stack’s write policy by default, any other with --prometheus-detail, and refuses one the rules cannot read', async () => {
    const [stack, full, bad] = await Promise.all([
      vigil('cost', '--hosts', '10000', '--json'),
      vigil('cost', '--hosts', '10000', '--prometheus-detail', '0', '--json'),
      vigil('cost', '--hosts', '10', '--prometheus-detail', '600'),
    ]);
    const [policy, every] = [stack, full].map((run) => JSON.parse(run.stdout) as CostEstimate) as [CostEstimate, CostEstimate];
    expect(policy.measured.policy).toEqual({ detailSeconds: 60 });
    expect(every.measured.policy).toEqual({ detailSeconds: 0 });
    // The flag every sample, the other 17 points once a minute (a few more for anomalies); 17 for every sample.
    expect(policy.measured.seriesSamplesPerSample).toBeGreaterThan(3.6);
    expect(policy.measured.seriesSamplesPerSample).toBeLessThan(4);
    expect(every.measured.seriesSamplesPerSample).toBeGreaterThan(17);
    const prometheus = (e: CostEstimate): number => e.lines.filter((l) => l.component === 'Managed Prometheus').reduce((sum, l) => sum + l.usd, 0);
    expect(prometheus(policy)).toBeLessThan(prometheus(every) / 3);
    // The target of the stack's defaults at 10,000 hosts: $0.10 a host-month.
    expect(policy.perHostUsd).toBeLessThanOrEqual(0.1);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--prometheus-detail: detailSeconds must be a whole number of seconds from 0 (every sample in full) to 120; got 600');
  });

  it('is listed in vigil --help, with examples in its own help', async () => {
    const [all, own] = await Promise.all([vigil('--help'), vigil('cost', '--help')]);
    expect(all.stdout).toMatch(/^\s+cost \[options\]/m);
    expect(own.stdout).toContain('$ vigil cost --hosts 1000 --interval 10');
  });
});
