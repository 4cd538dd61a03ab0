/**
 * The evaluation report: one self-contained HTML file (inline CSS and SVG, no scripts) with the
 * headline metrics, each metric's series with labelled windows and detections, the score against
 * the threshold, the threshold sweep, the ROC curve and the windows found or missed.
 */
import { escapeXml, lineChart } from './svg.js';
import type { Evaluation } from './evaluate.js';
import type { PointMetrics } from './metrics.js';

const COLORS = {
  series: '#2b6cb0',
  score: '#6b46c1',
  threshold: '#c53030',
  detection: '#e53e3e',
  window: 'rgba(237, 137, 54, 0.22)',
  precision: '#2f855a',
  recall: '#dd6b20',
  f1: '#6b46c1',
};
const MAX_METRIC_CHARTS = 6;

export function renderReport(e: Evaluation): string {
  const t = e.csv.timestamps;
  const span = t.length ? t[t.length - 1]! - t[0]! : 0;
  const formatTime = (x: number) =>
    new Date(x)
      .toISOString()
      .slice(0, span > 3 * 86_400_000 ? 10 : 16)
      .replace('T', ' ');
  const index = Float64Array.from(t);
  const bands = e.labels.windows.map((w) => ({ from: t[w.start]!, to: t[w.end]!, color: COLORS.window }));
  const detections: { at: number; color: string }[] = [];
  for (let i = e.skipRows; i < e.scores.length; i++) if (e.scores[i]! >= e.manifest.threshold) detections.push({ at: i, color: COLORS.detection });
  const metrics = e.manifest.featureSet.metrics;

  const charts = metrics.slice(0, MAX_METRIC_CHARTS).map((m) =>
    lineChart({
      title: `${m}: labelled windows shaded, detections in red`,
      x: index,
      lines: [{ values: e.csv.columns[m]!, color: COLORS.series, label: m }],
      bands,
      markers: detections,
      formatX: formatTime,
    }),
  );
  const scoreChart = lineChart({
    title: 'anomaly score and the model threshold',
    x: index,
    lines: [{ values: e.scores, color: COLORS.score, label: 'score' }],
    rules: [{ y: e.manifest.threshold, color: COLORS.threshold, label: `threshold ${e.manifest.threshold.toFixed(4)}` }],
    bands,
    markers: detections,
    formatX: formatTime,
  });
  const sweepX = Float64Array.from(e.sweep.map((p) => p.threshold));
  const sweepChart = lineChart({
    title: 'threshold sweep: precision, recall and F1 by threshold',
    x: sweepX,
    lines: [
      { values: e.sweep.map((p) => p.precision), color: COLORS.precision, label: 'precision', width: 2 },
      { values: e.sweep.map((p) => p.recall), color: COLORS.recall, label: 'recall', width: 2 },
      { values: e.sweep.map((p) => p.f1), color: COLORS.f1, label: 'F1', width: 2 },
    ],
    yRange: [0, 1],
    formatX: (x) => x.toFixed(3),
    width: 540,
    height: 260,
  });
  const rocChart = lineChart({
    title: `ROC curve (AUC ${e.auc === undefined ? 'n/a' : e.auc.toFixed(3)})`,
    x: Float64Array.from(e.roc.map((p) => p.fpr)),
    lines: [
      { values: e.roc.map((p) => p.tpr), color: COLORS.score, label: 'true positive rate', width: 2 },
      { values: e.roc.map((p) => p.fpr), color: '#a0aec0', label: 'chance', width: 1 },
    ],
    yRange: [0, 1],
    formatX: (x) => x.toFixed(1),
    width: 540,
    height: 260,
  });

  const found = e.windows.filter((w) => w.firstDetection !== undefined).length;
  const windowRows = e.windows
    .map((w, k) => {
      const detectedAt =
        w.firstDetection === undefined
          ? 'missed'
          : `${e.csv.timestampText[w.firstDetection]} (${(((w.firstDetection - w.window.start) / Math.max(1, w.window.end - w.window.start)) * 100).toFixed(0)}% into the window)`;
      return `<tr><td>${k + 1}</td><td>${escapeXml(e.csv.timestampText[w.window.start]!)}</td><td>${escapeXml(e.csv.timestampText[w.window.end]!)}</td><td class="${w.firstDetection === undefined ? 'bad' : 'good'}">${escapeXml(detectedAt)}</td></tr>`;
    })
    .join('');
  const sweepRows = [...e.sweep]
    .reverse()
    .map((p) => `<tr${p === e.best ? ' class="best"' : ''}>${metricCells(p)}</tr>`)
    .join('');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vigil evaluation: ${escapeXml(e.manifest.name)} on ${escapeXml(e.input)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1140px;color:#1a202c;padding:0 12px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}.muted{color:#4a5568}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}.card{border:1px solid #e2e8f0;border-radius:8px;padding:10px 16px;min-width:120px}
.card b{display:block;font-size:24px}.card span{color:#4a5568;font-size:12px}
table{border-collapse:collapse;margin:8px 0}td,th{border-bottom:1px solid #e2e8f0;padding:4px 10px;text-align:right}th{background:#f7fafc}
td:first-child,th:first-child{text-align:left}tr.best td{background:#faf5ff;font-weight:600}.good{color:#2f855a}.bad{color:#c53030}
.pair{display:flex;gap:16px;flex-wrap:wrap}.pair>div{flex:1 1 520px}
svg .title{font-size:13px;font-weight:600;fill:#2d3748}svg .xlabel{font-size:11px;fill:#4a5568;text-anchor:middle}
svg .ylabel{font-size:11px;fill:#4a5568;text-anchor:end;dominant-baseline:middle}svg .legend{font-size:11px;fill:#2d3748}
svg .rule{font-size:11px;text-anchor:end}svg .grid{stroke:#edf2f7}svg .frame{fill:none;stroke:#cbd5e0}
</style></head><body>
<h1>Evaluation of ${escapeXml(e.manifest.name)} ${escapeXml(e.manifest.version)}</h1>
<p class="muted">Data ${escapeXml(e.input)}: ${t.length} rows${e.skipRows ? ` (first ${e.skipRows} left out of the metrics while the features warm up)` : ''}, metrics ${escapeXml(metrics.join(', '))}.
Labels ${escapeXml(e.labels.description)}. Model ${escapeXml(e.modelDir)}, threshold ${e.manifest.threshold.toFixed(4)}, trained on ${e.manifest.training.rows} rows.</p>
<div class="cards">
${card('precision', e.atThreshold.precision)}${card('recall', e.atThreshold.recall)}${card('F1', e.atThreshold.f1)}
${card('ROC AUC', e.auc)}${card('windows found', undefined, `${found} / ${e.windows.length}`)}${card('best F1 (sweep)', e.best.f1, undefined, `at threshold ${e.best.threshold.toFixed(4)}`)}
</div>
<p class="muted">At the model threshold: ${e.atThreshold.tp} true positives, ${e.atThreshold.fp} false positives, ${e.atThreshold.fn} missed rows, ${e.atThreshold.tn} true negatives.</p>
<h2>Anomaly score</h2>${scoreChart}
<h2>Metrics</h2>${charts.join('\n')}${metrics.length > MAX_METRIC_CHARTS ? `<p class="muted">${metrics.length - MAX_METRIC_CHARTS} more metrics not drawn.</p>` : ''}
<h2>Threshold</h2><div class="pair"><div>${sweepChart}</div><div>${rocChart}</div></div>
<table><thead><tr><th>threshold</th><th>precision</th><th>recall</th><th>F1</th><th>TP</th><th>FP</th><th>FN</th><th>TN</th></tr></thead><tbody>
<tr class="muted">${metricCells(e.atThreshold).replace('<td>', '<td>model ')}</tr>${sweepRows}</tbody></table>
<h2>Labelled windows</h2>
${e.windows.length ? `<table><thead><tr><th>#</th><th>from</th><th>to</th><th>first detection</th></tr></thead><tbody>${windowRows}</tbody></table>` : '<p class="muted">No labelled windows in this file.</p>'}
</body></html>
`;
}

function metricCells(p: PointMetrics): string {
  return `<td>${p.threshold.toFixed(4)}</td><td>${p.precision.toFixed(3)}</td><td>${p.recall.toFixed(3)}</td><td>${p.f1.toFixed(3)}</td><td>${p.tp}</td><td>${p.fp}</td><td>${p.fn}</td><td>${p.tn}</td>`;
}

function card(label: string, value: number | undefined, text?: string, note?: string): string {
  const shown = text ?? (value === undefined ? 'n/a' : value.toFixed(3));
  return `<div class="card"><b>${escapeXml(shown)}</b><span>${escapeXml(label)}${note ? ` ${escapeXml(note)}` : ''}</span></div>`;
}
