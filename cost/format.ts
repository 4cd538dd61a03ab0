/** `vigil cost` output: the estimate as a plain-text table, every figure in USD per month. */
import type { CostEstimate, CostLine } from './model.js';
import { PRICES_CHECKED, PRICES_REGION } from './prices.js';

const usd = (value: number): string => value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function table(lines: readonly CostLine[], total: number, perHost: number): string[] {
  const rows = lines.map((l) => [l.component, l.item, l.usage, usd(l.usd)]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), ['component', 'item', 'usage', 'USD/month'][i]!.length));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [
    line(['component', 'item', 'usage', 'USD/month']),
    rule,
    ...rows.map(line),
    rule,
    line(['total', '', '', usd(total)]),
    line(['per host', '', '', usd(perHost)]),
  ];
}

export function formatEstimate(e: CostEstimate): string {
  const i = e.inputs;
  const m = e.measured;
  const header = [
    `vigil on AWS: ${i.hosts.toLocaleString('en-US')} hosts, one sample every ${i.intervalSeconds} s (${Math.round(e.samplesPerMonth).toLocaleString('en-US')} samples a month)`,
    `list prices: ${PRICES_REGION}, checked ${PRICES_CHECKED} (cost/prices.ts); sinks: ${i.sinks.join(', ')}; Kinesis ${i.streamMode}`,
    `measured per sample: Kinesis record ${Math.round(m.wireBytesPerRecord)} B gzip for ${m.samplesPerRecord} sample(s); Timestream record ${Math.round(m.timestreamBytesPerSample)} B; ${m.seriesSamplesPerSample.toFixed(2)} Prometheus samples; model ${(m.modelBytes / 1e6).toFixed(2)} MB`,
    '',
  ];
  const cloudwatch = [
    '',
    'The same fleet on CloudWatch (custom metrics, CloudWatch agent, one anomaly detection alarm per metric):',
    '',
    ...table(e.cloudwatch.lines, e.cloudwatch.totalUsd, e.cloudwatch.perHostUsd),
  ];
  return [...header, ...table(e.lines, e.totalUsd, e.perHostUsd), ...cloudwatch].join('\n');
}
