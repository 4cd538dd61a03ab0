/**
 * What every result sink (Timestream, Prometheus, log) implements. Building the requests is
 * separate from sending them, so the CPU cost of a batch can be measured without sink I/O.
 */
import type { ScoredSample } from '../../core/scored-sample.js';

export interface SinkBatch {
  readonly samples: readonly ScoredSample[];
  /** Per sample: whether storage keeps it (storage resolution for normal samples). */
  readonly store: readonly boolean[];
  readonly threshold: number;
  /** When the scoring model was created, epoch ms. */
  readonly modelCreatedMs: number;
  /** When the batch was scored, epoch ms. */
  readonly scoredAt: number;
  /** The samples' feature rows, row i for sample i, `featureWidth` values each (the archive keeps them). */
  readonly features?: Float32Array;
  readonly featureWidth?: number;
  readonly featureSetVersion?: number;
  /** The batch's place in the stream: what names its archive objects. */
  readonly origin?: BatchOrigin;
}

/** A Kinesis batch's shard and the sequence numbers of its first and last records. */
export interface BatchOrigin {
  readonly shardId: string;
  readonly firstSequence: string;
  readonly lastSequence: string;
}

/**
 * Why a service refused samples for good: `too_old` when they are older than it takes any more (a
 * spool replayed after a long outage), `refused` for any other refusal.
 */
export type RejectionKind = 'too_old' | 'refused';

/** Samples a service refused for good (retrying cannot help), with its reason. */
export interface SinkRejection {
  readonly indices: readonly number[];
  readonly reason: string;
  /** @default 'refused' */
  readonly kind?: RejectionKind;
}

export interface SinkOutcome {
  readonly sink: string;
  /** Samples written. */
  readonly written: number;
  /** Samples not written after every retry: their records must be delivered again. */
  readonly failed: readonly number[];
  readonly rejected: readonly SinkRejection[];
  /**
   * Samples the service already holds with other values at the same time (counted in `written`):
   * a sample scored by another model, or two records claiming one host and time (cloned hosts).
   */
  readonly conflicts?: readonly number[];
  /** The last error behind `failed`, for logs. */
  readonly error?: string;
}

export interface PreparedWrite {
  /** How many requests `send` makes (at most). */
  readonly requests: number;
  /**
   * Sends the requests, once; then frees what they held (buffers the next batch reuses). Sending
   * again, or after `discard`, is refused (the promise rejects) and sends nothing.
   */
  send(): Promise<SinkOutcome>;
  /** Frees what the requests hold without sending them (for sinks whose requests hold anything). */
  discard?(): void;
}

/**
 * A PreparedWrite that keeps its rules: `send` runs once, then `release` frees what the requests
 * hold; `discard` (there when there is something to release) releases without sending. `what`
 * names the write in the refusal ("this Timestream write was already sent or discarded").
 */
export function sendOnce(what: string, requests: number, send: () => Promise<SinkOutcome>, release?: () => void): PreparedWrite {
  let done = false;
  return {
    requests,
    send: async () => {
      if (done) throw new Error(`this ${what} write was already sent or discarded; prepare the batch again`);
      done = true;
      try {
        return await send();
      } finally {
        release?.();
      }
    },
    ...(release
      ? {
          discard: () => {
            if (done) return;
            done = true;
            release();
          },
        }
      : {}),
  };
}

export interface ResultSink {
  readonly name: string;
  prepare(batch: SinkBatch): PreparedWrite;
}

/** What one request of a sink came to. */
export interface RequestOutcome {
  readonly written: number;
  readonly failed: readonly number[];
  readonly rejected: readonly SinkRejection[];
  readonly conflicts?: readonly number[];
  readonly error?: string;
}

/** A sink's outcome from its requests' outcomes; the last error stands for all. */
export function combineOutcomes(sink: string, results: readonly RequestOutcome[]): SinkOutcome {
  const errors = results.map((r) => r.error).filter((e) => e !== undefined);
  const conflicts = results.flatMap((r) => r.conflicts ?? []);
  return {
    sink,
    written: results.reduce((n, r) => n + r.written, 0),
    failed: results.flatMap((r) => r.failed),
    rejected: results.flatMap((r) => r.rejected),
    ...(conflicts.length ? { conflicts } : {}),
    ...(errors.length ? { error: errors[errors.length - 1] } : {}),
  };
}

export function errorText(error: unknown): string {
  const e = error as { name?: string; message?: string };
  return `${e.name ?? 'Error'}: ${e.message ?? String(error)}`;
}
