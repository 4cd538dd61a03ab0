/**
 * Timestream sink: one multi-measure record per stored sample (core/stored-result.ts), at most 100
 * per WriteRecords with the attributes they share sent once as CommonAttributes, calls in
 * parallel, transient errors retried with backoff. `prepare` writes each request's body as JSON
 * bytes (timestream-body.ts), which the SDK then sends as they are. RejectedRecords are inspected:
 * a record already stored by a newer model (higher version) counts as written; any other
 * rejection, like a ValidationException, is reported with Timestream's reason (the caller
 * dead-letters it) rather than retried forever. Writes are idempotent: same dimensions, time,
 * measures and version on every delivery.
 */
import { WriteRecordsCommand, type RejectedRecord, type TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { TIMESTREAM_MAX_RECORDS_PER_WRITE } from '../../core/stored-result.js';
import { DEFAULT_RETRY_POLICY, inParallel, isTransientAwsError, withRetries, type RetryPolicy } from './retry.js';
import { WriteRecordsBodyWriter } from './timestream-body.js';
import { combineOutcomes, errorText, sendOnce, type PreparedWrite, type RequestOutcome, type ResultSink, type SinkBatch, type SinkRejection } from './sink.js';

export interface TimestreamSinkOptions {
  readonly client: TimestreamWriteClient;
  readonly database: string;
  readonly table: string;
  /** WriteRecords calls in flight at once. @default 8 */
  readonly concurrency?: number;
  readonly retry?: RetryPolicy;
}

interface Chunk {
  /** The records' version (every record of a chunk has the same). */
  readonly version: number;
  /** Sample index of each record. */
  readonly indices: number[];
  /** The WriteRecords request body (timestream-body.ts). */
  readonly body: Uint8Array;
}

export class TimestreamSink implements ResultSink {
  readonly name = 'timestream';

  constructor(private readonly options: TimestreamSinkOptions) {}

  prepare(batch: SinkBatch): PreparedWrite {
    const chunks: Chunk[] = [];
    const writer = new WriteRecordsBodyWriter(this.options.database, this.options.table, batch.samples.length);
    let open: { version: number; indices: number[] } | undefined;
    const close = (): void => {
      if (open) chunks.push({ ...open, body: writer.end() });
    };
    batch.samples.forEach((sample, i) => {
      if (!batch.store[i]) return;
      const version = sample.recordVersion;
      if (!open || open.indices.length === TIMESTREAM_MAX_RECORDS_PER_WRITE || open.version !== version) {
        close();
        writer.begin(version);
        open = { version, indices: [] };
      }
      writer.record(sample);
      open.indices.push(i);
    });
    close();
    return sendOnce(
      'Timestream',
      chunks.length,
      async () => {
        const results = await inParallel(
          chunks.map((c) => () => this.write(c)),
          this.options.concurrency ?? 8,
        );
        return combineOutcomes(this.name, results);
      },
      () => writer.release(),
    );
  }

  private async write(chunk: Chunk): Promise<RequestOutcome> {
    const { client, database, table } = this.options;
    try {
      await withRetries(
        () => client.send(withBody(new WriteRecordsCommand({ DatabaseName: database, TableName: table, Records: [] }), chunk.body)),
        isTransientAwsError,
        this.options.retry ?? DEFAULT_RETRY_POLICY,
      );
      return { written: chunk.indices.length, failed: [], rejected: [] };
    } catch (error) {
      const rejectedRecords = (error as { name?: string; RejectedRecords?: RejectedRecord[] }).RejectedRecords;
      if ((error as { name?: string }).name === 'RejectedRecordsException' && rejectedRecords) {
        return this.inspectRejections(chunk, rejectedRecords);
      }
      if ((error as { name?: string }).name === 'ValidationException') {
        // Timestream will refuse these records however often they are sent: dead-letter, don't stall the shard.
        return { written: 0, failed: [], rejected: [{ indices: chunk.indices, reason: `Timestream refused the request: ${errorText(error)}` }] };
      }
      // Throttling, outages, a missing table or missing permissions: delivered again once fixed.
      return { written: 0, failed: chunk.indices, rejected: [], error: `WriteRecords to ${database}.${table} failed after retries: ${errorText(error)}` };
    }
  }

  /** The records not named were written; a newer version already stored counts as written. */
  private inspectRejections(chunk: Chunk, rejected: readonly RejectedRecord[]): RequestOutcome {
    const rejections: SinkRejection[] = [];
    for (const r of rejected) {
      const index = r.RecordIndex ?? -1;
      if (chunk.indices[index] === undefined) continue;
      if (r.ExistingVersion !== undefined && r.ExistingVersion > chunk.version) {
        continue;
      }
      const reason = `Timestream rejected the record: ${r.Reason ?? 'no reason given'}`;
      // A time outside the memory store's range: a sample older (or newer) than the table takes.
      const kind = /outside the time range|memory store/i.test(r.Reason ?? '') ? 'too_old' : 'refused';
      rejections.push({ indices: [chunk.indices[index]!], reason, kind });
    }
    return { written: chunk.indices.length - rejections.length, failed: [], rejected: rejections };
  }
}

/**
 * The command sends `body` (written by WriteRecordsBodyWriter) instead of serialising its input,
 * which names only the database and table (the body carries the records). The body is replaced
 * before signing and before the content length is taken, so both cover these bytes; every retry
 * sends them again.
 */
function withBody(command: WriteRecordsCommand, body: Uint8Array): WriteRecordsCommand {
  command.middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { body?: unknown; headers?: Record<string, string> };
      request.body = body;
      if (request.headers) request.headers['content-length'] = String(body.byteLength);
      return next(args);
    },
    { step: 'build', priority: 'high', name: 'vigilWriteRecordsBody' },
  );
  return command;
}
