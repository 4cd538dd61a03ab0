/**
 * `npm start`: the whole pipeline on this machine, no AWS account.
 * Installs what it needs on first use (scripts/setup.sh through local/setup.ts: moto_server or
 * LocalStack, Prometheus and Alertmanager), starts them, creates the stream, bucket, table and
 * queue, publishes the default model if none is current (as a deployment does), runs the
 * real agent on this machine's metrics (and N simulated hosts with injected incidents), drives the
 * real `score` function with the local poller, and shows a live terminal view.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createLogger } from '../agent/log.js';
import { SignedKinesisClient } from '../agent/sender/kinesis-client.js';
import { KinesisSender } from '../agent/sender/kinesis-sender.js';
import { DEFAULT_ARCHIVE_PREFIX } from '../core/archive.js';
import { awsClientSettings } from '../core/aws.js';
import { awsRegion } from '../core/aws-endpoint.js';
import { DEFAULT_MODEL_PREFIX } from '../core/score-function.js';
import type { ScoredSample } from '../core/scored-sample.js';
import { encodeWireRecord } from '../core/wire.js';
import { publishDefaultModel } from '../model-store/default-model.js';
import { startLocalStack } from './localstack.js';
import { startMoto, PROJECT_ROOT } from './moto.js';
import type { RunningServer } from './process.js';
import { alertsPage, startAlertmanager, startPrometheus, which } from './prometheus.js';
import { ensureLocalResources } from './resources.js';
import { ensureInstalled, requireNodeMajor } from './setup.js';
import type { WorkerMessage } from './score-worker.js';
import { backfill } from '../simulate/backfill.js';
import { DetectionTracker, type DetectionReport } from '../simulate/detection.js';
import { SimulatedFleet } from '../simulate/fleet.js';
import { INCIDENT_KINDS, planIncidents } from '../simulate/incidents.js';
import { SimulatedAgents } from '../simulate/simulated-agents.js';
import { renderView } from './view.js';

const RULE_FILE = join(PROJECT_ROOT, 'grafana', 'alerts', 'vigil-rules.yml');

interface StartOptions {
  simulate: number;
  duration?: number;
  report?: string;
  interval: number;
  agent: boolean;
  seed: number;
  historyDays: number;
  endpoint: LocalEndpoint;
}

/** The local AWS endpoints `npm start` can start. */
const LOCAL_ENDPOINTS = ['moto', 'localstack'] as const;
type LocalEndpoint = (typeof LOCAL_ENDPOINTS)[number];

const whole =
  (name: string, min: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number >= ${min}; got "${value}"`);
    return n;
  };

const program = new Command('npm start --')
  .description('run the whole vigil pipeline on this machine (no AWS account needed)')
  .option('--simulate <hosts>', 'add simulated hosts with daily patterns and injected incidents', whole('--simulate', 0), 0)
  .option('--duration <seconds>', 'stop after this many seconds and print a summary', whole('--duration', 10))
  .option('--report <file>', 'with a simulation: write the detection summary as JSON')
  .option('--interval <seconds>', 'sampling interval of the agent and the simulated hosts', whole('--interval', 1), 10)
  .option('--no-agent', "do not run the agent on this machine's metrics")
  .option('--seed <n>', 'seed of the simulated fleet and its incidents', whole('--seed', 0), 1)
  .option('--history-days <days>', 'days of simulated history that warm the simulated hosts’ features', whole('--history-days', 1), 2)
  .addOption(
    new Option(
      '--endpoint <name>',
      'local AWS endpoint to start: moto_server, or LocalStack community (a host process, no Docker); AWS_ENDPOINT_URL wins over both',
    )
      .choices(LOCAL_ENDPOINTS)
      .default('moto'),
  )
  .addHelpText(
    'after',
    '\nExamples:\n  npm start\n  npm start -- --simulate 20\n  npm start -- --simulate 20 --duration 300 --report report.json\n  npm start -- --endpoint localstack',
  );
const options = program.parse(process.argv).opts<StartOptions>();
if (options.simulate > 0 && options.duration !== undefined && options.duration < 60) {
  program.error(`--duration must be at least 60 with --simulate (incidents need a minute to happen); got ${options.duration}: e.g. --duration 300`);
}

const started: { name: string; stop(): Promise<void> }[] = [];
const notes: string[] = [];
const say = (line: string): void => void process.stderr.write(`${line}\n`);
const runDir = join(PROJECT_ROOT, '.vigil', 'runs', new Date().toISOString().replace(/[:.]/g, '-'));
mkdirSync(runDir, { recursive: true });

function child(name: string, process_: ChildProcess): void {
  started.push({
    name,
    stop: () =>
      new Promise<void>((resolve) => {
        if (process_.exitCode !== null || process_.signalCode !== null) return resolve();
        const timer = setTimeout(() => process_.kill('SIGKILL'), 10_000);
        process_.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        process_.kill('SIGTERM');
      }),
  });
}

function server(s: RunningServer): RunningServer {
  started.push({ name: s.name, stop: () => s.stop() });
  return s;
}

async function localAws(): Promise<string> {
  if (process.env.AWS_ENDPOINT_URL) {
    say(`AWS endpoint: ${process.env.AWS_ENDPOINT_URL} (from AWS_ENDPOINT_URL)`);
    return process.env.AWS_ENDPOINT_URL;
  }
  const aws = server(options.endpoint === 'localstack' ? await startLocalStack(join(runDir, 'localstack')) : await startMoto(join(runDir, 'moto')));
  process.env.AWS_ENDPOINT_URL = aws.url;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  say(`AWS endpoint: ${options.endpoint === 'localstack' ? 'LocalStack' : 'moto_server'} on ${aws.url} (pid ${aws.pid})`);
  return aws.url;
}

async function localPrometheus(): Promise<string | undefined> {
  const alertmanagerBin = (): string | undefined => which('prometheus-alertmanager') ?? which('alertmanager');
  if (!which('prometheus') || !alertmanagerBin()) {
    // First use: the set-up installs them (Debian packages), or says why it cannot and what to run.
    try {
      ensureInstalled(['prometheus']);
    } catch {
      // Run with what is there; the note repeats the fix.
    }
  }
  if (!which('prometheus')) {
    notes.push('Prometheus is not installed, so results go to Timestream and the log only: sudo bash scripts/setup.sh prometheus');
    return undefined;
  }
  let alertmanager: RunningServer | undefined;
  if (alertmanagerBin()) {
    alertmanager = server(await startAlertmanager({ dataDir: join(runDir, 'alertmanager'), groupWait: '10s' }));
  } else {
    notes.push('Alertmanager is not installed, so alerts are evaluated but not routed: sudo bash scripts/setup.sh prometheus');
  }
  const prometheus = server(
    await startPrometheus({
      dataDir: join(runDir, 'prometheus'),
      evaluationInterval: '10s',
      ...(existsSync(RULE_FILE) ? { ruleFiles: [RULE_FILE] } : {}),
      ...(alertmanager ? { alertmanagerUrl: alertmanager.url } : {}),
    }),
  );
  say(`Prometheus: ${prometheus.url} (alerts: ${await alertsPage(prometheus.url)})${alertmanager ? `, Alertmanager: ${alertmanager.url}` : ''}`);
  return prometheus.url;
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  requireNodeMajor();
  const interval = options.interval;
  await localAws();
  const prometheusUrl = await localPrometheus();
  const resources = await ensureLocalResources();
  say(
    `stream ${resources.stream}, bucket ${resources.bucket}, archive s3://${resources.archiveBucket}/${DEFAULT_ARCHIVE_PREFIX}/, queue ${resources.queue}, table ${resources.database}.${resources.table}`,
  );

  // The simulated fleet's history warms its hosts' feature state.
  const liveFrom = Math.floor(Date.now() / 1000) * 1000;
  // Without --simulate, one host stands in (a fleet has at least one) and sends nothing.
  const fleet = new SimulatedFleet({ hosts: Math.max(options.simulate, 1), seed: options.seed });
  const simulated = options.simulate > 0 ? fleet.hostIds : [];
  const t0 = Date.now();
  const history = backfill(fleet, { until: liveFrom, days: options.historyDays, intervalSeconds: interval, seed: options.seed, maxTrainingRows: 1 });
  if (simulated.length > 0) {
    say(
      `simulated ${options.historyDays} days of history for ${fleet.hostIds.length} hosts (${history.samples.toLocaleString('en-US')} samples) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }

  const s3 = new S3Client(awsClientSettings());
  const location = { bucket: resources.bucket, prefix: DEFAULT_MODEL_PREFIX };
  // The same path as a deployment's first model (infra/constructs/default-model.ts): the shipped
  // default model, published only where no model of this feature-set version is current.
  const t1 = Date.now();
  const outcome = await publishDefaultModel(s3, location);
  // Hosts that are not simulated (this machine) are judged by a model that never saw their history.
  const simulatedHosts = new Set(simulated);
  const onBaseline = (latestHosts: Iterable<string>): ReadonlySet<string> =>
    outcome.currentVersion === outcome.defaultVersion ? new Set([...latestHosts].filter((host) => !simulatedHosts.has(host))) : new Set<string>();
  if (outcome.published) {
    say(
      `model: published the default model ${outcome.defaultVersion} to s3://${resources.bucket}/${DEFAULT_MODEL_PREFIX}/ in ${((Date.now() - t1) / 1000).toFixed(1)} s` +
        (outcome.replaced ? ` in place of ${outcome.replaced.version} (${outcome.replaced.reason})` : ''),
    );
  } else {
    say(`model: ${outcome.currentVersion} (already current)`);
  }

  // The score function, in its own process as in Lambda.
  const workerLog = openSync(join(runDir, 'score.log'), 'a');
  const worker = fork(join(import.meta.dirname, 'score-worker.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', workerLog, workerLog, 'ipc'],
    env: {
      ...process.env,
      VIGIL_STREAM: resources.stream,
      VIGIL_MODEL_BUCKET: resources.bucket,
      VIGIL_DEFAULT_MODEL_PREFIX: DEFAULT_MODEL_PREFIX,
      VIGIL_MODEL_RECHECK_SECONDS: '10',
      VIGIL_SINKS: prometheusUrl ? 'timestream,prometheus' : 'timestream,log',
      VIGIL_TIMESTREAM_DATABASE: resources.database,
      VIGIL_TIMESTREAM_TABLE: resources.table,
      ...(prometheusUrl ? { VIGIL_PROMETHEUS_URL: `${prometheusUrl}/api/v1/write`, VIGIL_PROMETHEUS_SIGV4: 'false' } : {}),
      VIGIL_DEAD_LETTER_QUEUE_URL: resources.queueUrl,
      // Every scored sample to the history archive, as the stack does (`vigil export --source archive --bucket vigil-archive`).
      VIGIL_ARCHIVE_BUCKET: resources.archiveBucket,
      VIGIL_ARCHIVE_PREFIX: DEFAULT_ARCHIVE_PREFIX,
      POWERTOOLS_SERVICE_NAME: 'vigil-score',
      POWERTOOLS_METRICS_NAMESPACE: 'vigil',
    },
  });
  child('score function', worker);

  // The real agent on this machine's metrics.
  if (options.agent) {
    const agentLog = openSync(join(runDir, 'agent.log'), 'a');
    const agent = spawn(
      process.execPath,
      [
        join(PROJECT_ROOT, 'bin', 'vigil-agent.js'),
        'run',
        '--stream',
        resources.stream,
        '--interval',
        String(interval),
        '--spool-dir',
        join(runDir, 'agent'),
        '--tag',
        'env=local',
        '--no-start-jitter',
      ],
      { stdio: ['ignore', agentLog, agentLog], env: process.env },
    );
    child('agent', agent);
  }

  // The simulated hosts: their agents' work (features, wire records, PutRecords) in this process.
  const incidents =
    options.simulate > 0
      ? planIncidents({
          hosts: simulated,
          from: liveFrom,
          until: liveFrom + (options.duration ?? 360) * 1000,
          seed: options.seed,
          kinds: INCIDENT_KINDS.slice(0, options.simulate),
        })
      : [];
  if (options.simulate > 0 && options.simulate < INCIDENT_KINDS.length)
    notes.push(`${options.simulate} simulated hosts carry ${incidents.length} of the ${INCIDENT_KINDS.length} incident kinds (one host each)`);
  fleet.inject(incidents);
  const tracker = options.simulate > 0 ? new DetectionTracker(incidents, simulated, liveFrom, { intervalSeconds: interval }) : undefined;
  const agents = new SimulatedAgents(fleet, history.pipelines);
  const sender = new KinesisSender({ client: new SignedKinesisClient({ region: awsRegion() }), stream: resources.stream, log: createLogger('error') });
  const abort = new AbortController();
  let simulatedSent = 0;
  const tick = async (): Promise<void> => {
    const entries = agents
      .recordsAt(Math.floor(Date.now() / 1000) * 1000)
      .map((record) => ({ data: encodeWireRecord(record), partitionKey: record.host, samples: record.samples.length }));
    if (entries.length > 0) await sender.put(entries, { signal: abort.signal });
    simulatedSent += entries.length;
  };
  const simTimer = options.simulate > 0 ? setInterval(() => void tick().catch(() => undefined), interval * 1000) : undefined;

  // The terminal view, fed by the score function's results.
  const latest = new Map<string, ScoredSample>();
  const anomalies: ScoredSample[] = [];
  let workerCounters: Record<string, number> = {};
  let scored = 0;
  let discarded = 0;
  worker.on('message', (message: WorkerMessage) => {
    if (message.type === 'scored') {
      for (const s of message.samples) {
        scored++;
        latest.set(s.host, s);
        if (s.anomaly) anomalies.push(s);
        if (tracker && simulated.includes(s.host)) tracker.observe(s);
      }
      if (anomalies.length > 200) anomalies.splice(0, anomalies.length - 200);
    } else if (message.type === 'counters') {
      workerCounters = { ...message.counters };
    } else {
      discarded += message.records;
    }
  });
  const interactive = process.stdout.isTTY === true && options.duration === undefined;
  const draw = (): void => {
    const now = Date.now();
    tracker?.checkAll(now);
    const counters = { scored, anomalies: anomalies.length, invocations: workerCounters.invocations ?? 0, discarded, simulated_records: simulatedSent };
    const detected = tracker
      ? tracker
          .report(now)
          .incidents.filter((i) => i.detected)
          .map((i) => `detected ${i.kind} on ${i.host} after ${i.secondsToDetection} s`)
      : [];
    if (interactive)
      process.stdout.write(
        `\x1b[2J\x1b[H${renderView({ latest, anomalies, counters, notes: [...notes, ...detected, `logs and data: ${relative(process.cwd(), runDir)}`] }, now, {
          // Three samples missed: the host stopped sending (or its records stopped arriving).
          staleAfterMs: 3 * interval * 1000,
          baselineHosts: onBaseline(latest.keys()),
        })}\n`,
      );
  };
  const viewTimer = setInterval(draw, 1000);
  const progressTimer = interactive
    ? undefined
    : setInterval(() => say(`${Math.round((Date.now() - startedAt) / 1000)} s: ${scored} samples scored, ${anomalies.length} anomalous`), 30_000);
  for (const note of notes) say(note);

  let stopping = false;
  const shutdown = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    clearInterval(viewTimer);
    if (simTimer) clearInterval(simTimer);
    if (progressTimer) clearInterval(progressTimer);
    abort.abort();
    say(`\nstopping (${why})...`);
    for (const s of [...started].reverse()) await s.stop().catch((error: unknown) => say(`could not stop ${s.name}: ${String(error)}`));
    const report: DetectionReport | undefined = tracker?.report(Date.now());
    say(`${scored} samples scored, ${anomalies.length} anomalous, ${discarded} records discarded by the poller.`);
    if (report) {
      const endedAt = Date.now();
      for (const i of report.incidents) {
        const outcome = i.detected
          ? `detected after ${i.secondsToDetection} s (top metric ${i.topMetric})`
          : Date.parse(i.start) > endedAt
            ? 'not started before the run ended'
            : 'NOT detected';
        say(`  ${i.kind.padEnd(14)} on ${i.host.padEnd(14)} ${outcome}`);
      }
      say(
        `  detected ${report.detected}/${report.incidents.length}, median ${report.medianSecondsToDetection ?? '-'} s to detection, ${report.falseAlarmsOnHealthyHosts} false alarms on healthy hosts (${report.falseAlarms} in all)`,
      );
      if (options.report) {
        writeFileSync(options.report, `${JSON.stringify(report, null, 2)}\n`);
        say(`report written to ${options.report}`);
      }
    }
    say(
      `Logs (score function, agent) and Prometheus data are in ${relative(process.cwd(), runDir)}; the local AWS endpoint kept its data in memory and has stopped.`,
    );
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('Ctrl-C'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  worker.once('exit', (code) => void shutdown(`the score function exited with ${code}; see ${join(relative(process.cwd(), runDir), 'score.log')}`));
  if (options.duration !== undefined) setTimeout(() => void shutdown(`--duration ${options.duration} s`), options.duration * 1000);
  say(interactive ? 'running: Ctrl-C stops everything' : `running${options.duration ? ` for ${options.duration} s` : ''}`);
}

main().catch(async (error: unknown) => {
  say(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  for (const s of [...started].reverse()) await s.stop().catch(() => undefined);
  process.exit(1);
});
