/**
 * Area `score`: the scoring function with the default fleet model (trainModel defaults on
 * simulated host features).
 * - records_per_s_per_core.batch_N: scored samples (= result records) per CPU-second through the
 *   handler's CPU path for a Kinesis batch carrying N samples, SAMPLES_PER_RECORD per wire record:
 *   decode, validate, one ONNX call, severity / confidence / top metric, storage resolution, and
 *   building the Timestream and Prometheus request bodies as they are sent. Sink I/O excluded.
 *   CPU time from process.cpuUsage (all threads), so the figure is per core; the median of at
 *   least 9 batches. Run with the function's NODE_OPTIONS (nodeOptions below). Wire records are
 *   what the agent sends: its toWireSample (metric values rounded to 7 significant digits,
 *   features float32) encoded by encodeWireRecord (binary, wire version 2).
 * - records_per_s_per_core.batch_10000_full_precision: the same 10,000 samples with metric values
 *   as full-precision doubles, which no vigil agent sends; each takes V8's String() in the
 *   Timestream body.
 * - records_per_s_per_core.batch_10000_default_sinks: the same batch building only the requests of
 *   the sinks `cdk deploy` configures by default (Prometheus).
 * - records_per_s_per_core.batch_10000_one_sample_per_record: the same with one sample per wire
 *   record, as the agent sends by default (flushSeconds 0).
 * - records_per_s_per_core.batch_10000_5000_hosts: one sample per record from 5,000 hosts, a busy
 *   shard's batch.
 * The figures measured with this bench, and their history: docs/performance.md.
 * - per_record_path_speedup: CPU of the same 1,000-sample batch the per-record way (the same
 *   decoder, one ONNX call per wire record, same sink requests) / CPU of the handler path, same run.
 * - stage_share_pct.*: where the handler's time goes at 10,000 samples.
 * - cold_start_ms: a fresh Node process importing the bundled handler (esbuild, as deployed) and
 *   answering its first invocation: model pointer + files downloaded from a local moto_server,
 *   sha256 checked, ONNX session created, one record scored. Median of COLD_RUNS processes.
 * - rss_mb: that process's resident memory after it also handled a 10,000-sample batch (log sink).
 * - sink_io_ms_per_1000.*: the sink I/O the throughput figures exclude, timed separately: each sink
 *   writing 1,000 samples to a local endpoint (moto_server, Prometheus).
 * - archive_cpu_added_pct.*: the CPU the history archive (every sample as a Parquet row) adds to
 *   the handler path with the default sinks: the median, over ARCHIVE_ROUNDS rounds, of one round's
 *   CPU with the archive over the same round's without (each side ARCHIVE_BATCHES_PER_ROUND
 *   batches, run one after the other, the order alternating), minus one.
 * - sink_send_cpu_us_per_sample.*: this process's CPU while each sink sends those samples: what
 *   sending costs the function beyond the throughput figures (serialising, signing, HTTP).
 * - habituation_kb_per_host.quiet / .busy: the heap the function's memory of the hosts' excursions
 *   (functions/score/host-habituation.ts) takes per host, the model's branch over the ten host metrics,
 *   10,000 hosts of 30 samples each: every metric within its reach (quiet), or beyond it in a third of
 *   the samples (busy).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateDatabaseCommand, CreateTableCommand, TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import type { KinesisStreamRecord } from 'aws-lambda';
import { build } from 'esbuild';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { toWireSample, type PipelineBand } from '../core/wire-sample.js';
import { awsClientSettings } from '../core/aws.js';
import { HOST_FEATURE_SET } from '../core/features.js';
import { HOST_METRICS } from '../core/host-metrics.js';
import { FeatureRows } from '../core/feature-rows.js';
import { encodeWireRecord, readWireRecordInto, WIRE_VERSION, type WireRecord } from '../core/wire.js';
import type { ScoredSample } from '../core/scored-sample.js';
import { loadedModel, type LoadedModel } from '../functions/score/model-cache.js';
import { HostHabituation } from '../functions/score/host-habituation.js';
import { createOnnxScorer } from '../model-store/onnx-scorer.js';
import { prepareBatch, type PreparedBatch } from '../functions/score/process-batch.js';
import { scoreRecords } from '../functions/score/score-batch.js';
import type { AcceptedRecord } from '../functions/score/records.js';
import { ArchiveSink } from '../functions/sinks/archive.js';
import { PrometheusSink } from '../functions/sinks/prometheus.js';
import { TimestreamSink } from '../functions/sinks/timestream.js';
import { SCORE_FUNCTION_NODE_OPTIONS } from '../infra/constructs/score-function.js';
import { DEFAULTS as STACK_DEFAULTS } from '../infra/props.js';
import { PROJECT_ROOT, startMoto } from '../local/moto.js';
import { startPrometheus } from '../local/prometheus.js';
import { FeaturePipeline } from '../features/pipeline.js';
import { seededRandom } from '../models/forest/random.js';
import { publishModel } from '../model-store/s3-store.js';
import { trainModel } from '../models/train.js';
import { median, type BenchArea, type BenchResult } from './types.js';

const SAMPLES_PER_RECORD = 6;
const BATCHES = [100, 1000, 10_000] as const;
const COLD_RUNS = 5;
/** Paired rounds of the archive's added CPU (a few percent of the handler's, so many rounds). */
const ARCHIVE_ROUNDS = 21;
/**
 * Batches each side of a paired round handles: one 10,000-sample batch is about 50 ms of CPU, in
 * which one garbage collection moves a side by tens of percent; several make a round long enough
 * for the archive's few percent to show.
 */
const ARCHIVE_BATCHES_PER_ROUND = 6;
const T0 = Date.UTC(2026, 10, 21);

/** Feature rows of simulated hosts (daily shape, noise, rare bursts), through the real pipeline, with each metric's band (normal and scale) as the agent sends it. */
function simulatedRows(count: number, seed: number): { values: Record<string, number>; features: number[]; band: PipelineBand }[] {
  const random = seededRandom(seed);
  const pipeline = new FeaturePipeline(HOST_FEATURE_SET);
  return Array.from({ length: count }, (_, i) => {
    const daily = Math.sin((2 * Math.PI * i) / 1440);
    const burst = random() < 0.01 ? 3 : 1;
    const values: Record<string, number> = {};
    HOST_METRICS.forEach((metric, k) => (values[metric] = Math.max(0, (20 + 10 * daily + 3 * random()) * (1 + k) * burst)));
    const band = { metrics: HOST_FEATURE_SET.metrics, values: new Float64Array(2 * HOST_FEATURE_SET.metrics.length) };
    return { values, features: Array.from(pipeline.push({ t: T0 + i * 60_000, values }, band.values)), band };
  });
}

/**
 * What the wire samples carry: what the agent sends (its toWireSample: metric values rounded to 7
 * significant digits, features float32), or the simulated values as full-precision doubles.
 */
type WireValues = 'as-sent' | 'full-precision';

/** A Kinesis batch carrying `samples` samples of `hosts` hosts (record after record), as Lambda delivers it. */
function kinesisBatch(
  samples: number,
  rows: ReturnType<typeof simulatedRows>,
  start = T0,
  perRecord = SAMPLES_PER_RECORD,
  values: WireValues = 'as-sent',
  hosts = 100,
): KinesisStreamRecord[] {
  const records: KinesisStreamRecord[] = [];
  for (let r = 0; r * perRecord < samples; r++) {
    const record: WireRecord = {
      v: WIRE_VERSION,
      host: `host-${r % hosts}`,
      tags: { env: 'prod', role: 'web' },
      fs: HOST_FEATURE_SET.version,
      samples: Array.from({ length: Math.min(perRecord, samples - r * perRecord) }, (_, i) => {
        const row = rows[(r * perRecord + i) % rows.length]!;
        const seq = r * perRecord + i;
        const t = start + seq * 1_000;
        return values === 'as-sent' ? toWireSample(seq, t, row.values, Float64Array.from(row.features), row.band) : { seq, t, m: row.values, f: row.features };
      }),
    };
    const sequenceNumber = String(49_600_000_000_000 + r);
    records.push({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: record.host,
        sequenceNumber,
        data: Buffer.from(encodeWireRecord(record)).toString('base64'),
        approximateArrivalTimestamp: T0 / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/bench',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/bench',
    });
  }
  return records;
}

/** CPU seconds (all threads) spent in `fn`. */
async function cpuSeconds(fn: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

/**
 * The handler's CPU path for one batch, its requests then dropped unsent: the handler sends them,
 * which gives their buffers back for the next batch (functions/sinks/timestream-body.ts). Each time
 * with fresh memories of the hosts' excursions (functions/score/host-habituation.ts), so every
 * sample moves its host's memory on as a new sample does: replayed to the same memories, the batch's
 * samples would be no newer than the hosts' last and skip it.
 */
async function prepareUnsent(...[records, model, ...rest]: Parameters<typeof prepareBatch>): Promise<PreparedBatch> {
  const fresh = model.habituation ? { ...model, habituation: new HostHabituation(model.habituation.branch) } : model;
  const prepared = await prepareBatch(records, fresh, ...rest);
  for (const { write } of prepared.writes) write.discard?.();
  return prepared;
}

/** prepareUnsent `times` times over the same batch (one paired round's side). */
async function prepareRepeatedly(times: number, ...args: Parameters<typeof prepareUnsent>): Promise<void> {
  for (let i = 0; i < times; i++) await prepareUnsent(...args);
}

/** Heap per host of HostHabituation after 10,000 hosts sent 30 samples each (collected before and after). */
function habituationBytesPerHost(branch: HostHabituation['branch'], busy: boolean): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const hosts = 10_000;
  const width = HOST_FEATURE_SET.names.length;
  gc();
  const before = process.memoryUsage().heapUsed;
  const habituation = new HostHabituation(branch);
  const features = new Float32Array(hosts * width);
  for (let round = 0; round < 30; round++) {
    const records = Array.from({ length: hosts }, (_, h): AcceptedRecord => ({
      index: h,
      record: { v: WIRE_VERSION, host: `host-${h}`, fs: HOST_FEATURE_SET.version, width, samples: [{ seq: round, t: T0 + round * 10_000, m: {} }] },
    }));
    // Far beyond any reach in a third of the samples (busy), else at the branch's centers.
    branch.features.forEach((f, k) => {
      for (let h = 0; h < hosts; h++) features[h * width + f] = busy && (h + round) % 3 === 0 ? 1e6 : branch.center[k]!;
    });
    habituation.input(records, features, width);
  }
  gc();
  const bytes = (process.memoryUsage().heapUsed - before) / hosts;
  if (habituation.size !== hosts) throw new Error(`the memory kept ${habituation.size} hosts of ${hosts}`);
  return bytes;
}

/** The entry the cold-start process runs: import the bundle, invoke once, then a big batch. */
const COLD_DRIVER = `
const t0 = performance.now();
const { handler } = await import('./score.mjs');
const imported = performance.now();
const { readFileSync } = await import('node:fs');
const events = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const context = { functionName: 'bench', awsRequestId: 'bench', getRemainingTimeInMillis: () => 60000 };
const first = await handler(events.first, context);
const ready = performance.now();
const big = await handler(events.big, context);
const failures = first.batchItemFailures.length + big.batchItemFailures.length;
console.log(JSON.stringify({ importMs: imported - t0, firstInvokeMs: ready - imported, rssMb: process.memoryUsage().rss / 2 ** 20, failures }));
`;

/**
 * Against local endpoints (moto_server and Prometheus, started here): the cold starts, then the
 * sink I/O of a 1,000-sample batch, which the throughput figures exclude.
 */
async function againstLocalEndpoints(
  onnx: Uint8Array,
  manifest: Parameters<typeof publishModel>[1]['manifest'],
  rows: ReturnType<typeof simulatedRows>,
  model: LoadedModel,
): Promise<{ coldMs: number[]; rssMb: number[]; importMs: number[]; sinkIo: Awaited<ReturnType<typeof sinkIo>> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-score-'));
  const bundleDir = join(PROJECT_ROOT, '.vigil', 'bench-score');
  mkdirSync(bundleDir, { recursive: true });
  const moto = await startMoto(join(dataDir, 'moto'));
  try {
    const env = { AWS_ENDPOINT_URL: moto.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' };
    const settings = { ...awsClientSettings({}, env), credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } };
    const s3 = new S3Client(settings);
    await s3.send(new CreateBucketCommand({ Bucket: 'bench-models' }));
    await publishModel(s3, { bucket: 'bench-models', prefix: 'models', onnx, manifest });
    const { QueueUrl } = await new SQSClient(settings).send(new CreateQueueCommand({ QueueName: 'bench-dlq' }));
    // Bundled as deployed (infra/constructs/score-function.ts): one minified ESM file; the native onnxruntime stays a package.
    await build({
      entryPoints: [join(PROJECT_ROOT, 'functions', 'score', 'handler.ts')],
      outfile: join(bundleDir, 'score.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      minify: true,
      external: ['onnxruntime-node'],
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
      logLevel: 'error',
    });
    writeFileSync(join(bundleDir, 'driver.mjs'), COLD_DRIVER);
    const eventsFile = join(bundleDir, 'events.json');
    writeFileSync(eventsFile, JSON.stringify({ first: { Records: kinesisBatch(1, rows) }, big: { Records: kinesisBatch(10_000, rows) } }));
    const results = Array.from({ length: COLD_RUNS }, () => {
      const out = execFileSync(process.execPath, [join(bundleDir, 'driver.mjs'), eventsFile], {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          ...env,
          VIGIL_MODEL_BUCKET: 'bench-models',
          VIGIL_SINKS: 'log',
          VIGIL_DEAD_LETTER_QUEUE_URL: QueueUrl,
          POWERTOOLS_LOG_LEVEL: 'SILENT',
          POWERTOOLS_METRICS_DISABLED: 'true',
          NODE_NO_WARNINGS: '1',
          NODE_OPTIONS: SCORE_FUNCTION_NODE_OPTIONS,
        },
      });
      const result = JSON.parse(out.trim().split('\n').pop()!) as { importMs: number; firstInvokeMs: number; rssMb: number; failures: number };
      if (result.failures) throw new Error(`the cold-start process reported ${result.failures} batch item failures; see its output:\n${out}`);
      return result;
    });
    const io = await sinkIo(settings, join(dataDir, 'prometheus'), rows, model);
    return {
      coldMs: results.map((r) => r.importMs + r.firstInvokeMs),
      rssMb: results.map((r) => r.rssMb),
      importMs: results.map((r) => r.importMs),
      sinkIo: io,
    };
  } finally {
    await moto.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(bundleDir, { recursive: true, force: true });
  }
}

/**
 * Each sink writing the same 1,000 recent samples (rewrites are idempotent): wall time, and this
 * process's CPU time while sending (serialising, signing, HTTP; the service runs elsewhere).
 */
async function sinkIo(
  settings: ReturnType<typeof awsClientSettings>,
  prometheusDir: string,
  rows: ReturnType<typeof simulatedRows>,
  model: LoadedModel,
): Promise<Record<string, { wallMs: number[]; cpuMs: number[] }>> {
  const timestream = new TimestreamWriteClient({ ...settings, maxAttempts: 1 });
  await timestream.send(new CreateDatabaseCommand({ DatabaseName: 'vigil' }));
  await timestream.send(new CreateTableCommand({ DatabaseName: 'vigil', TableName: 'host_scores' }));
  const prometheus = await startPrometheus({ dataDir: prometheusDir });
  try {
    const s3 = new S3Client({ ...settings, maxAttempts: 1 });
    await s3.send(new CreateBucketCommand({ Bucket: 'bench-archive' }));
    const sinks = [
      new TimestreamSink({ client: timestream, database: 'vigil', table: 'host_scores' }),
      new PrometheusSink({ url: `${prometheus.url}/api/v1/write` }),
      new ArchiveSink({ client: s3, bucket: 'bench-archive', prefix: 'archive' }),
    ];
    const records = kinesisBatch(1000, rows, Date.now() - 1_000 * 1000);
    // One scoring time, so every round writes the same values (the lag series depends on it).
    const scoredAt = Date.now();
    const timings: Record<string, { wallMs: number[]; cpuMs: number[] }> = {};
    for (const sink of sinks) {
      const timing = (timings[sink.name] = { wallMs: [] as number[], cpuMs: [] as number[] });
      for (let i = 0; i < 6; i++) {
        // A prepared write is sent once; the same samples again rewrite the same records.
        const { write } = (await prepareBatch(records, model, [sink], 0, scoredAt)).writes[0]!;
        const start = performance.now();
        const cpu = process.cpuUsage();
        const outcome = await write.send();
        const used = process.cpuUsage(cpu);
        if (outcome.failed.length || outcome.rejected.length)
          throw new Error(`${sink.name} did not take the bench batch: ${outcome.error ?? JSON.stringify(outcome.rejected[0])}`);
        if (i === 0) continue;
        timing.wallMs.push(performance.now() - start);
        timing.cpuMs.push((used.user + used.system) / 1000);
      }
    }
    return timings;
  } finally {
    await prometheus.stop();
  }
}

const area: BenchArea = {
  area: 'score',
  // As deployed: the function's NODE_OPTIONS change V8's young generation, and so the figures.
  nodeOptions: SCORE_FUNCTION_NODE_OPTIONS,
  description: `score handler CPU path at ${BATCHES.join(' / ')} samples (${SAMPLES_PER_RECORD} per wire record), default model; cold start against moto`,
  async run() {
    const training = simulatedRows(10_000, 7);
    const { onnx, manifest } = trainModel(
      training.map((r) => r.features),
      HOST_FEATURE_SET,
    );
    const model: LoadedModel = loadedModel(manifest, await createOnnxScorer(onnx, HOST_FEATURE_SET.names.length, 'bench'));
    const rows = simulatedRows(12_000, 11).slice(2_000);
    const sinks = [
      new TimestreamSink({ client: new TimestreamWriteClient({ region: 'us-east-1' }), database: 'vigil', table: 'host_scores' }),
      new PrometheusSink({ url: 'http://127.0.0.1:9/api/v1/write' }),
    ];
    const results: BenchResult[] = [];
    let handlerSecondsAt1000 = 0;
    const stageMs: Record<'read' | 'score' | 'build_sink_requests', number[]> = { read: [], score: [], build_sink_requests: [] };
    for (const samples of BATCHES) {
      const records = kinesisBatch(samples, rows);
      const rounds = Math.max(9, Math.round(50_000 / samples));
      for (let i = 0; i < 3; i++) await prepareUnsent(records, model, sinks, 0, Date.now());
      const seconds: number[] = [];
      for (let i = 0; i < rounds; i++) {
        seconds.push(
          await cpuSeconds(async () => {
            const prepared = await prepareUnsent(records, model, sinks, 0, Date.now());
            if (prepared.scored.samples.length !== samples) throw new Error(`bench batch scored ${prepared.scored.samples.length} of ${samples} samples`);
          }),
        );
      }
      if (samples === 1000) handlerSecondsAt1000 = median(seconds);
      if (samples === 10_000) {
        for (let i = 0; i < rounds; i++) {
          const { timings } = await prepareUnsent(records, model, sinks, 0, Date.now());
          stageMs.read.push(timings.readMs);
          stageMs.score.push(timings.scoreMs);
          stageMs.build_sink_requests.push(timings.buildMs);
        }
      }
      results.push({
        metric: `records_per_s_per_core.batch_${samples}`,
        value: Math.round(samples / median(seconds)),
        unit: 'records/s/core',
        note: `${samples} samples in ${records.length} Kinesis records; decode..build sink requests; median CPU of ${rounds} rounds`,
      });
    }

    /** Samples per CPU-second of a 10,000-sample variant: warm-up rounds, then the median of `rounds`. */
    const variant = async (metric: string, records: KinesisStreamRecord[], variantSinks: typeof sinks, rounds: number, note: string): Promise<void> => {
      for (let i = 0; i < 3; i++) await prepareUnsent(records, model, variantSinks, 0, Date.now());
      const seconds: number[] = [];
      for (let i = 0; i < rounds; i++) seconds.push(await cpuSeconds(() => prepareUnsent(records, model, variantSinks, 0, Date.now())));
      results.push({
        metric: `records_per_s_per_core.${metric}`,
        value: Math.round(10_000 / median(seconds)),
        unit: 'records/s/core',
        note: `${note}; median CPU of ${rounds} rounds`,
      });
    };
    await variant(
      'batch_10000_full_precision',
      kinesisBatch(10_000, rows, T0, SAMPLES_PER_RECORD, 'full-precision'),
      sinks,
      9,
      '10000 samples whose metric values are full-precision doubles (no vigil agent sends these)',
    );
    // What `cdk deploy` configures unless told otherwise (infra/props.ts).
    const defaultSinks = sinks.filter((sink) => (STACK_DEFAULTS.sinks as readonly string[]).includes(sink.name));
    await variant(
      'batch_10000_default_sinks',
      kinesisBatch(10_000, rows),
      defaultSinks,
      9,
      `10000 samples, building only the stack's default sinks' requests (${defaultSinks.map((s) => s.name).join(', ')})`,
    );
    // The history archive (functions/sinks/archive.ts) on top of the default sinks, paired round by
    // round with the default sinks alone, so machine noise falls on both.
    const archiveClient = new S3Client({ region: 'us-east-1' });
    const archiveCases = [
      { name: `batch_10000_${SAMPLES_PER_RECORD}_per_record`, perRecord: SAMPLES_PER_RECORD },
      { name: 'batch_10000_1_per_record', perRecord: 1 },
    ];
    for (const { name, perRecord } of archiveCases) {
      const records = kinesisBatch(10_000, rows, T0, perRecord);
      const withArchive = [...defaultSinks, new ArchiveSink({ client: archiveClient, bucket: 'bench-archive', prefix: 'archive' })];
      for (let i = 0; i < 3; i++) {
        await prepareUnsent(records, model, defaultSinks, 0, Date.now());
        await prepareUnsent(records, model, withArchive, 0, Date.now());
      }
      // Each round runs both, in alternating order, and compares them: the round's noise falls on both.
      const ratios: number[] = [];
      const added: number[] = [];
      for (let i = 0; i < ARCHIVE_ROUNDS; i++) {
        const alone = () => cpuSeconds(() => prepareRepeatedly(ARCHIVE_BATCHES_PER_ROUND, records, model, defaultSinks, 0, Date.now()));
        const archived = () => cpuSeconds(() => prepareRepeatedly(ARCHIVE_BATCHES_PER_ROUND, records, model, withArchive, 0, Date.now()));
        let without: number;
        let withIt: number;
        if (i % 2 === 0) {
          without = await alone();
          withIt = await archived();
        } else {
          withIt = await archived();
          without = await alone();
        }
        ratios.push(withIt / without);
        added.push(withIt - without);
      }
      results.push({
        metric: `archive_cpu_added_pct.${name}`,
        value: Number((100 * (median(ratios) - 1)).toFixed(1)),
        unit: '%',
        note: `CPU the archive (Parquet) adds to the handler path with the default sinks (${defaultSinks.map((s) => s.name).join(', ')}); ${((1e6 * median(added)) / (ARCHIVE_BATCHES_PER_ROUND * 10_000)).toFixed(2)} us a sample; median of ${ARCHIVE_ROUNDS} paired rounds of ${ARCHIVE_BATCHES_PER_ROUND} batches`,
      });
    }
    // The agent's default (flushSeconds 0) sends each sample as soon as it is taken: one per record.
    await variant(
      'batch_10000_one_sample_per_record',
      kinesisBatch(10_000, rows, T0, 1),
      sinks,
      5,
      '10000 Kinesis records of one sample each (the agent without batching)',
    );
    // A busy shard: more hosts than a batch has samples of each (a shard takes up to 1,000 records a second).
    await variant(
      'batch_10000_5000_hosts',
      kinesisBatch(10_000, rows, T0, 1, 'as-sent', 5_000),
      sinks,
      5,
      '10000 Kinesis records of one sample each from 5,000 hosts (2 samples a host)',
    );

    // Baseline, same run: the per-record way (the same decoder, one ONNX call per wire record),
    // then the same sink requests.
    const baselineRecords = kinesisBatch(1000, rows);
    const naive = async (): Promise<void> => {
      const samples: ScoredSample[] = [];
      for (const [index, r] of baselineRecords.entries()) {
        const rows = new FeatureRows(HOST_FEATURE_SET.names.length);
        const record = readWireRecordInto(Buffer.from(r.kinesis.data, 'base64'), rows);
        const one = await scoreRecords([{ index, record }], model, rows.matrix());
        samples.push(...one.samples);
      }
      const batch = { samples, store: samples.map(() => true), threshold: manifest.threshold, modelCreatedMs: model.createdMs, scoredAt: Date.now() };
      for (const sink of sinks) sink.prepare(batch).discard?.();
    };
    await naive();
    const naiveSeconds: number[] = [];
    for (let i = 0; i < 7; i++) naiveSeconds.push(await cpuSeconds(naive));
    results.push({
      metric: 'per_record_path_speedup',
      value: median(naiveSeconds) / handlerSecondsAt1000,
      unit: 'x',
      note: 'CPU of the per-record path (one ONNX call per wire record, same decoder and sink requests) / CPU of the handler path, 1,000 samples',
    });
    for (const kind of ['quiet', 'busy'] as const) {
      results.push({
        metric: `habituation_kb_per_host.${kind}`,
        value: habituationBytesPerHost(model.habituation!.branch, kind === 'busy') / 1024,
        unit: 'KB',
        note: `heap per host of the function's memory of its excursions, 10,000 hosts x 30 samples, ${kind === 'busy' ? 'a third of samples beyond reach' : 'every metric within reach'}`,
      });
    }
    const stageTotal = Object.values(stageMs).reduce((sum, ms) => sum + median(ms), 0);
    for (const [stage, ms] of Object.entries(stageMs)) {
      results.push({
        metric: `stage_share_pct.${stage}`,
        value: Math.round((100 * median(ms)) / stageTotal),
        unit: '%',
        note: `median share of the handler's time, 10,000 samples`,
      });
    }

    const load = `machine load ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`;
    const cold = await againstLocalEndpoints(onnx, manifest, rows, model);
    results.push(
      {
        metric: 'cold_start_ms',
        value: Math.round(median(cold.coldMs)),
        unit: 'ms',
        note: `fresh process: import bundled handler (median ${Math.round(median(cold.importMs))} ms) + first invocation incl. model download from moto and session; median of ${COLD_RUNS}; ${load}`,
      },
      { metric: 'rss_mb', value: Math.round(median(cold.rssMb)), unit: 'MB', note: 'RSS of that process after also handling a 10,000-sample batch' },
      ...Object.entries(cold.sinkIo).flatMap(([sink, { wallMs, cpuMs }]) => [
        {
          metric: `sink_io_ms_per_1000.${sink}`,
          value: Math.round(median(wallMs)),
          unit: 'ms',
          note: `wall time of the ${sink} sink writing 1,000 samples to a local ${sink === 'prometheus' ? 'Prometheus' : 'moto_server'} (excluded above); median of 5`,
        },
        {
          metric: `sink_send_cpu_us_per_sample.${sink}`,
          // ms per 1,000 samples = µs per sample.
          value: Number(median(cpuMs).toFixed(2)),
          unit: 'us',
          note: `this process's CPU while the ${sink} sink sends those 1,000 samples (serialise, sign, HTTP), per sample; excluded above`,
        },
      ]),
      { metric: 'model_onnx_bytes', value: onnx.byteLength, unit: 'bytes', note: `default model: ${String(manifest.training.params.trees)} trees` },
    );
    await model.scorer.release();
    return results;
  },
};
export default area;
