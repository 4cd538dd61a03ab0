/** `vigil cost`: the monthly AWS cost of the pipeline for a fleet, per component and per host. */
import type { Command } from 'commander';
import { DEFAULTS as STACK } from '../infra/defaults.js';
import { formatComparison, formatEstimate } from '../cost/format.js';
import { measureSizes } from '../cost/measure.js';
import { SECONDS_PER_MONTH, estimateCost, type CostInputs, type CostSink, type StreamMode } from '../cost/model.js';
import { ruleSamplesPerHost } from '../cost/rule-samples.js';
import { PRODUCTION_TIMINGS, vigilRules } from '../alerting/rules.js';
import { writePolicyProblem, type WritePolicy } from '../core/write-policy.js';

interface Flags {
  hosts: string;
  interval: string;
  samplesPerRecord: string;
  sinks: string;
  prometheusDetail: string;
  streamMode: string;
  memory: string;
  batchSize: string;
  batchingWindow: string;
  msPerInvocation: string;
  msPerSample: string;
  grafanaEditors: string;
  grafanaViewers: string;
  archive: boolean;
  archiveRetentionDays: string;
  json?: boolean;
}

/**
 * Assumptions that no encoder can measure, stated here and overridable by flag: the scoring
 * function's wall time (decode + ONNX + sink round trips), its log volume, how many models are kept.
 */
export const ASSUMPTIONS = {
  // Per invocation: the event's way in and out of the handler plus one round trip each to the
  // Prometheus and Timestream endpoints, which run in parallel within AWS.
  msPerInvocation: 60,
  // Per sample: `npm run bench -- --only score` measures about 92,000 samples per CPU-second for
  // decode, ONNX scoring and building both sinks' requests with one sample per record (0.011 ms;
  // about 0.02 ms on the 0.58 vCPU of a 1 GB function) and about 0.08 ms of sink I/O per sample
  // against local endpoints: 0.3 leaves a wide margin for sink round trips within AWS.
  msPerSample: 0.3,
  logBytesPerInvocation: 700, // START, END, REPORT lines and one metrics (EMF) line
  modelVersionsKept: 10,
  cloudwatchFlushSeconds: 60, // the CloudWatch agent's default force_flush_interval
} as const;

const SINK_NAMES: readonly CostSink[] = ['prometheus', 'timestream'];
const STREAM_MODES: readonly StreamMode[] = ['on-demand', 'provisioned'];

export function register(program: Command): void {
  program
    .command('cost')
    .description(
      'monthly AWS cost of the pipeline per component and per host, from measured sample sizes and dated list prices, next to CloudWatch anomaly detection',
    )
    .requiredOption('--hosts <n>', 'hosts in the fleet; a comma list (100,1000,10000) prints a Markdown table comparing the sizes')
    .option('--interval <seconds>', 'seconds between two samples of a host', '10')
    .option('--samples-per-record <n>', "samples the agent packs into one Kinesis record (1 = the agent's default, send each sample at once)", '1')
    .option('--sinks <list>', 'comma list of result stores to price: prometheus, timestream', STACK.sinks.join(','))
    .option(
      '--prometheus-detail <seconds>',
      'Prometheus write policy: seconds between two detail points (score, raw metrics) of a host; 0 writes every series of every sample',
      String(STACK.prometheusDetailSeconds),
    )
    .option('--stream-mode <mode>', 'Kinesis capacity mode: on-demand or provisioned', STACK.streamMode)
    .option('--memory <mb>', 'scoring function memory in MB', String(STACK.functionMemoryMb))
    .option('--batch-size <n>', 'records per invocation (event source mapping)', String(STACK.batchSize))
    .option('--batching-window <seconds>', 'event source mapping batching window', String(STACK.maxBatchingWindowSeconds))
    .option('--ms-per-invocation <ms>', 'assumed fixed wall time of one invocation', String(ASSUMPTIONS.msPerInvocation))
    .option('--ms-per-sample <ms>', 'assumed wall time per scored sample', String(ASSUMPTIONS.msPerSample))
    .option('--grafana-editors <n>', 'Managed Grafana editor licences', '1')
    .option('--grafana-viewers <n>', 'Managed Grafana viewer licences', '5')
    .option('--no-archive', 'leave out the S3 history archive of every scored sample (the stack keeps one unless archive is false)')
    .option('--archive-retention-days <days>', 'days the archive keeps samples', String(STACK.archiveRetentionDays))
    .option('--json', 'print the estimate as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ vigil cost --hosts 1000 --interval 10
  $ vigil cost --hosts 100,1000,10000 --interval 10
  $ vigil cost --hosts 10000 --interval 10 --samples-per-record 6 --sinks prometheus,timestream
  $ vigil cost --hosts 100 --interval 60 --stream-mode provisioned --json
  $ vigil cost --hosts 10000 --interval 10 --prometheus-detail 0

Defaults are the stack's (infra/props.ts). Prices are us-east-1 list prices with their date in
cost/prices.ts; sizes are measured by encoding simulated samples with the pipeline's own encoders
each time the command runs; the alert rules' query samples are counted from the rules.`,
    )
    .action((flags: Flags, command: Command) => {
      try {
        const fleets = flags.hosts.split(',').map((hosts) => parseInputs({ ...flags, hosts }));
        const samplesPerRecord = numberFlag('--samples-per-record', flags.samplesPerRecord, { integer: true, min: 1 });
        // Sizes per sample do not depend on the fleet size: measure once.
        const measured = measureSizes({ intervalSeconds: fleets[0]!.intervalSeconds, samplesPerRecord, policy: writePolicy(flags) });
        const estimates = fleets.map((inputs) => estimateCost(inputs, measured));
        if (flags.json) console.log(JSON.stringify(estimates.length === 1 ? estimates[0] : estimates, null, 2));
        else console.log(estimates.length === 1 ? formatEstimate(estimates[0]!) : formatComparison(estimates));
      } catch (error) {
        command.error(`cost: ${(error as Error).message}`);
      }
    });
}

/** The write policy of --prometheus-detail, checked as the stack checks it. */
export function writePolicy(flags: Pick<Flags, 'prometheusDetail'>): WritePolicy {
  const policy = { detailSeconds: numberFlag('--prometheus-detail', flags.prometheusDetail, { integer: true, min: 0 }) };
  const problem = writePolicyProblem(policy);
  if (problem) throw new Error(`--prometheus-detail: ${problem}`);
  return policy;
}

export function parseInputs(flags: Flags): CostInputs {
  const sinks = flags.sinks
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const sink of sinks) {
    if (!SINK_NAMES.includes(sink as CostSink)) throw new Error(`--sinks: unknown sink "${sink}"; choose from ${SINK_NAMES.join(', ')}`);
  }
  if (!STREAM_MODES.includes(flags.streamMode as StreamMode)) throw new Error(`--stream-mode must be ${STREAM_MODES.join(' or ')}; got "${flags.streamMode}"`);
  const intervalSeconds = numberFlag('--interval', flags.interval, { min: 0.1 });
  return {
    hosts: numberFlag('--hosts', flags.hosts, { integer: true, min: 1 }),
    intervalSeconds,
    sinks: sinks as CostSink[],
    streamMode: flags.streamMode as StreamMode,
    functionMemoryMb: numberFlag('--memory', flags.memory, { integer: true, min: 128 }),
    batchSize: numberFlag('--batch-size', flags.batchSize, { integer: true, min: 1 }),
    maxBatchingWindowSeconds: numberFlag('--batching-window', flags.batchingWindow, { min: 0 }),
    lambdaMsPerInvocation: numberFlag('--ms-per-invocation', flags.msPerInvocation, { min: 0 }),
    lambdaMsPerSample: numberFlag('--ms-per-sample', flags.msPerSample, { min: 0 }),
    logBytesPerInvocation: ASSUMPTIONS.logBytesPerInvocation,
    timestreamMemoryRetentionHours: STACK.timestreamMemoryRetentionHours,
    timestreamMagneticRetentionDays: STACK.timestreamMagneticRetentionDays,
    modelVersionsKept: ASSUMPTIONS.modelVersionsKept,
    modelRecheckSeconds: STACK.modelRecheckSeconds,
    grafanaEditors: numberFlag('--grafana-editors', flags.grafanaEditors, { integer: true, min: 0 }),
    grafanaViewers: numberFlag('--grafana-viewers', flags.grafanaViewers, { integer: true, min: 0 }),
    cloudwatchFlushSeconds: ASSUMPTIONS.cloudwatchFlushSeconds,
    archive: flags.archive,
    archiveRetentionDays: numberFlag('--archive-retention-days', flags.archiveRetentionDays, { integer: true, min: 1 }),
    // The host-anomaly rules are evaluated once per sample interval (alerting/rules.ts).
    ruleSamplesPerHostPerMonth: ruleSamplesPerHost(
      vigilRules({ ...PRODUCTION_TIMINGS, sampleIntervalSeconds: intervalSeconds }),
      intervalSeconds,
      writePolicy(flags),
      SECONDS_PER_MONTH,
    ),
  };
}

function numberFlag(name: string, value: string, rule: { integer?: boolean; min: number }): number {
  const n = Number(value);
  const ok = value.trim() !== '' && Number.isFinite(n) && n >= rule.min && (!rule.integer || Number.isInteger(n));
  if (!ok) throw new Error(`${name} must be ${rule.integer ? 'a whole number' : 'a number'} >= ${rule.min}; got "${value}"`);
  return n;
}
