/**
 * Prometheus remote write 1.0 wire format: a protobuf WriteRequest, snappy block-compressed.
 * The message definition is the subset of prometheus/prompb that remote write 1.0 needs.
 */
import protobuf from 'protobufjs';
import snappy from 'snappyjs';
import type { Series } from '../../core/alert-series.js';

const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
      },
    },
  },
});
const WriteRequest = root.lookupType('prometheus.WriteRequest');

export const REMOTE_WRITE_HEADERS = {
  'Content-Type': 'application/x-protobuf',
  'Content-Encoding': 'snappy',
  'X-Prometheus-Remote-Write-Version': '0.1.0',
} as const;

/** Samples of the same label set are grouped into one time series, in time order, labels sorted by name. */
export function encodeWriteRequest(series: readonly Series[]): Uint8Array {
  const byLabels = new Map<string, { labels: { name: string; value: string }[]; samples: { value: number; timestamp: number }[] }>();
  for (const s of series) {
    const labels = Object.entries(s.labels)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => ({ name, value }));
    const key = JSON.stringify(labels);
    let entry = byLabels.get(key);
    if (!entry) byLabels.set(key, (entry = { labels, samples: [] }));
    entry.samples.push({ value: s.value, timestamp: s.timestamp });
  }
  const timeseries = [...byLabels.values()].map((ts) => ({ ...ts, samples: ts.samples.sort((a, b) => a.timestamp - b.timestamp) }));
  const bytes = WriteRequest.encode(WriteRequest.fromObject({ timeseries })).finish();
  return snappy.compress(bytes);
}

/** The inverse, for tests and the local tools. */
export function decodeWriteRequest(body: Uint8Array): Series[] {
  const message = WriteRequest.toObject(WriteRequest.decode(snappy.uncompress(body)), { longs: Number }) as {
    timeseries?: { labels?: { name: string; value: string }[]; samples?: { value?: number; timestamp?: number }[] }[];
  };
  return (message.timeseries ?? []).flatMap((ts) => {
    const labels = Object.fromEntries((ts.labels ?? []).map((l) => [l.name, l.value]));
    return (ts.samples ?? []).map((s) => ({ labels, value: s.value ?? 0, timestamp: s.timestamp ?? 0 }));
  });
}
