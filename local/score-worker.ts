/**
 * The `score` function as `npm start` runs it: its own process (as in Lambda), the real handler
 * built from the same environment variables, driven by the local Kinesis poller. Its logs and
 * metrics go to its stdout (a log file); scored samples and counters go to the parent over IPC
 * for the terminal view.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { awsClientSettings } from '../core/aws.js';
import type { ScoredSample } from '../core/scored-sample.js';
import { parseConfig } from '../functions/score/config.js';
import { buildDependencies } from '../functions/score/dependencies.js';
import { createScoreHandler } from '../functions/score/handler.js';
import type { ResultSink, SinkBatch } from '../functions/sinks/sink.js';
import { KinesisPoller } from './kinesis-poller.js';

export type WorkerMessage =
  | { readonly type: 'scored'; readonly samples: readonly ScoredSample[] }
  | { readonly type: 'counters'; readonly counters: Readonly<Record<string, number>> }
  | { readonly type: 'discarded'; readonly records: number; readonly reason: string };

function post(message: WorkerMessage): void {
  process.send?.(message);
}

/** Hands every scored sample to the parent: the terminal view is one more sink. */
const viewSink: ResultSink = {
  name: 'view',
  prepare: (batch: SinkBatch) => ({
    requests: 1,
    send: async () => {
      post({ type: 'scored', samples: batch.samples });
      return { sink: 'view', written: batch.samples.length, failed: [], rejected: [] };
    },
  }),
};

const stream = process.env.VIGIL_STREAM;
if (!stream) throw new Error('VIGIL_STREAM is not set: the score worker is started by `npm start`, which sets it');

const handler = createScoreHandler((logger, metrics) => {
  const deps = buildDependencies(parseConfig(), logger, metrics);
  return { ...deps, sinks: [...deps.sinks, viewSink] };
});

const poller = new KinesisPoller({
  client: new KinesisClient(awsClientSettings()),
  streamName: stream,
  handler,
  batchSize: 1000,
  batchingWindowMs: 500,
  onDiscard: (records, reason) => post({ type: 'discarded', records: records.length, reason }),
  onError: (error) => console.error(JSON.stringify({ level: 'ERROR', message: 'poller error', error: String(error) })),
});
const counters = setInterval(() => post({ type: 'counters', counters: { ...poller.counters } }), 1000);
process.on('SIGTERM', () => {
  clearInterval(counters);
  void poller.stop().then(() => process.exit(0));
});
await poller.start();
