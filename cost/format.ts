/** `vigil cost` output: the estimate as a plain-text table, every figure in USD per month. */
import type { CostEstimate, CostLine } from './model.js';
import { PRICES_AS_OF, PRICES_REGION } from './prices.js';

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
    `list prices: ${PRICES_REGION}, as of ${PRICES_AS_OF} (cost/prices.ts); sinks: ${i.sinks.join(', ')}; Kinesis ${i.streamMode}`,
    `measured per sample: Kinesis record ${Math.round(m.wireBytesPerRecord)} B for ${m.samplesPerRecord} sample(s); Timestream record ${Math.round(m.timestreamBytesPerSample)} B; ${m.seriesSamplesPerSample.toFixed(2)} Prometheus samples (${m.policy.detailSeconds ? `detail every ${m.policy.detailSeconds} s` : 'every series of every sample'}); model ${(m.modelBytes / 1e6).toFixed(2)} MB`,
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

/**
 * Several fleet sizes side by side, as a Markdown table (README-ready): each component's monthly
 * cost, the total and the cost per host, then the same for CloudWatch anomaly detection.
 */
export function formatComparison(estimates: readonly CostEstimate[]): string {
  const first = estimates[0];
  if (!first) throw new Error('nothing to compare: give at least one host count');
  const components = [...new Set(estimates.flatMap((e) => e.lines.map((l) => l.component)))];
  const componentCost = (e: CostEstimate, component: string): number => e.lines.filter((l) => l.component === component).reduce((sum, l) => sum + l.usd, 0);
  const dollars = (value: number): string => `$${usd(value)}`;
  const row = (label: string, cells: string[]): string => `| ${label} | ${cells.join(' | ')} |`;
  return [
    `Monthly AWS cost at one sample every ${first.inputs.intervalSeconds} s per host (${PRICES_REGION} list prices as of ${PRICES_AS_OF}; sinks: ${first.inputs.sinks.join(', ')}; Kinesis ${first.inputs.streamMode}):`,
    '',
    row(
      '',
      estimates.map((e) => `${e.inputs.hosts.toLocaleString('en-US')} hosts`),
    ),
    `|---|${estimates.map(() => '---:').join('|')}|`,
    ...components.map((c) =>
      row(
        c,
        estimates.map((e) => dollars(componentCost(e, c))),
      ),
    ),
    row(
      '**vigil total**',
      estimates.map((e) => `**${dollars(e.totalUsd)}**`),
    ),
    row(
      'vigil per host',
      estimates.map((e) => dollars(e.perHostUsd)),
    ),
    row(
      '**CloudWatch metrics + anomaly detection alarms**',
      estimates.map((e) => `**${dollars(e.cloudwatch.totalUsd)}**`),
    ),
    row(
      'CloudWatch per host',
      estimates.map((e) => dollars(e.cloudwatch.perHostUsd)),
    ),
  ].join('\n');
}
