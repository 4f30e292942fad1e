// A self-contained HTML drift report: no script, no external resource, one inline SVG per feature
// (reference vs current histograms on shared bins) and one for the predicted classes. Only binned
// counts are embedded, so the page stays small whatever the number of rows (unlike reports that
// embed every value).
import type { CurrentData, DriftReport, ReferenceData } from './report.js'
import { distinctValues, histogram } from './stats/stats.js'

const BINS = 10
const W = 420
const H = 180
const PAD = 28
const COLOURS = { reference: '#4c78a8', current: '#f58518' }

export function renderDriftHtml (report: DriftReport, reference: ReferenceData, current: CurrentData): string {
  const classes = current.classNames
  const { drift_analysis: a, data_summary: s, recommendations: r } = report
  const features = Object.keys(reference.columns)
  const sections = features.map((f) => {
    const score = a.feature_drift_scores[f]
    const verdict = score === undefined ? 'not judged' : `${score.statistical_test} ${score.score_kind} ${score.drift_score} (threshold ${score.threshold}): ${score.drift_detected ? 'DRIFT' : 'no drift'}`
    return `<section class="feature${score?.drift_detected === true ? ' drifted' : ''}"><h2>${esc(f)}</h2><p>${esc(verdict)}</p>${featureSvg(f, reference.columns[f], current.columns[f])}</section>`
  })
  const classSvg = reference.labels === null ? '' : `<section class="feature${a.prediction_drift?.drift_detected === true ? ' drifted' : ''}"><h2>predicted class</h2><p>${esc(a.prediction_drift === null ? 'not judged' : `${a.prediction_drift.statistical_test} p_value ${a.prediction_drift.drift_score}: ${a.prediction_drift.drift_detected ? 'DRIFT' : 'no drift'}`)}</p>${barsSvg('predicted class', classes, reference.labels, current.predictions)}</section>`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Drift report: ${esc(s.model.name)} v${esc(s.model.version)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222}.status{font-weight:bold}.grid{display:flex;flex-wrap:wrap;gap:1rem}
.feature{border:1px solid #ccc;border-radius:6px;padding:.5rem 1rem}.drifted{border-color:#d62728;background:#fff5f5}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}table{border-collapse:collapse}td,th{padding:2px 8px;text-align:left}</style></head>
<body><h1>Drift report: ${esc(s.model.name)} version ${esc(s.model.version)}</h1>
<p class="status">Status: ${esc(r.monitoring_status)} · dataset drift: ${a.drift_detected ? 'yes' : 'no'} · drifted columns ${a.number_of_drifted_columns}/${a.number_of_columns} (share ${a.overall_drift_score}, threshold ${a.dataset_drift_share_threshold})</p>
<p>${esc(r.message)}</p>
<table><tr><th>reference rows</th><td>${s.reference_samples} (${esc(s.reference_source)})</td></tr><tr><th>analysed rows</th><td>${s.analyzed_samples}</td></tr>
<tr><th>logged rows</th><td>${s.total_production_samples}</td></tr><tr><th>generated</th><td>${esc(a.analysis_timestamp)}</td></tr></table>
<p class="legend"><span style="background:${COLOURS.reference}"></span>reference<span style="background:${COLOURS.current}"></span>current</p>
<div class="grid">${sections.join('\n')}${classSvg}</div></body></html>
`
}

export interface ChartAxis { lo: number, hi: number, below: number, above: number }

/**
 * The x axis of a histogram: the 1st to 99th percentile of the values (nearest rank, so one extreme
 * value cannot drag the bound towards itself) widened by a quarter of that span on each side, and
 * never beyond the data. One outlier then no longer squeezes every other value into one bin; the
 * values left outside are counted so the chart says how many it does not show.
 */
export function chartAxis (values: number[]): ChartAxis {
  const sorted = Float64Array.from(values).sort()
  const n = sorted.length
  if (n === 0) return { lo: -0.5, hi: 0.5, below: 0, above: 0 }
  const [qlo, qhi] = [sorted[Math.ceil(0.01 * (n - 1))], sorted[Math.floor(0.99 * (n - 1))]]
  const margin = (qhi - qlo) * 0.25
  let [lo, hi] = [Math.max(sorted[0], qlo - margin), Math.min(sorted[n - 1], qhi + margin)]
  if (lo === hi) { lo -= 0.5; hi += 0.5 }
  let [below, above] = [0, 0]
  for (const x of sorted) { if (x < lo) below++; else if (x > hi) above++ }
  return { lo, hi, below, above }
}

/** Shares per bin over the shared (clipped) axis, so both histograms are on the same scale. */
function featureSvg (name: string, ref: number[], cur: number[]): string {
  if (cur.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="${esc(name)}: no current data"><text x="${PAD}" y="${H / 2}">no current data</text></svg>`
  const { lo, hi, below, above } = chartAxis([...ref, ...cur])
  const edges = Array.from({ length: BINS + 1 }, (_, i) => i === BINS ? hi : lo + (hi - lo) * i / BINS)
  // Shares of all values, outliers included: bars of a clipped chart do not pretend the outliers are not there.
  const shares = (xs: number[]) => histogram(xs, edges).map((c) => c / xs.length)
  const [r, c] = [shares(ref), shares(cur)]
  const top = Math.max(...r, ...c, 1e-9)
  const bw = (W - 2 * PAD) / BINS
  const bar = (v: number, i: number, offset: number, colour: string, label: string) => {
    const h = (H - 2 * PAD) * v / top
    return `<rect x="${(PAD + i * bw + offset).toFixed(1)}" y="${(H - PAD - h).toFixed(1)}" width="${(bw / 2 - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${colour}"><title>${label} [${edges[i].toFixed(2)}, ${edges[i + 1].toFixed(2)}): ${(v * 100).toFixed(1)} %</title></rect>`
  }
  const bars = [...r.map((v, i) => bar(v, i, 0, COLOURS.reference, 'reference')), ...c.map((v, i) => bar(v, i, bw / 2, COLOURS.current, 'current'))]
  const outside = below + above
  const note = outside === 0 ? '' : `${outside} ${outside === 1 ? 'value' : 'values'} outside the axis (${below} below ${lo.toFixed(2)}, ${above} above ${hi.toFixed(2)})`
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="${esc(name)} histogram, reference vs current${note === '' ? '' : `; ${note}`}" data-axis-min="${lo}" data-axis-max="${hi}" data-outside-below="${below}" data-outside-above="${above}">` +
    `<line x1="${PAD}" y1="${H - PAD}" x2="${W - PAD}" y2="${H - PAD}" stroke="#999"/>${bars.join('')}` +
    (note === '' ? '' : `<text class="outside" x="${W - PAD}" y="14" font-size="11" text-anchor="end" fill="#9a6700">${note}</text>`) +
    `<text x="${PAD}" y="${H - 8}" font-size="11">${lo.toFixed(2)}</text><text x="${W / 2}" y="${H - 8}" font-size="11" text-anchor="middle">${((lo + hi) / 2).toFixed(2)}</text><text x="${W - PAD}" y="${H - 8}" font-size="11" text-anchor="end">${hi.toFixed(2)}</text></svg>`
}

function barsSvg (name: string, classes: string[], ref: number[], cur: number[]): string {
  const keys = [...distinctValues([ref, cur])].sort((a, b) => a - b)
  const tally = (xs: number[]) => { const m = new Map<number, number>(); for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1); return m }
  const [refCounts, curCounts] = [tally(ref), tally(cur)]
  const share = (xs: number[], k: number) => xs.length === 0 ? 0 : ((xs === ref ? refCounts : curCounts).get(k) ?? 0) / xs.length
  const bw = (W - 2 * PAD) / Math.max(keys.length, 1)
  const rects = keys.flatMap((k, i) => [[share(ref, k), 0, COLOURS.reference, 'reference'], [share(cur, k), bw / 2, COLOURS.current, 'current']].map(([v, off, colour, label]) => {
    const h = (H - 2 * PAD) * (v as number)
    return `<rect x="${(PAD + i * bw + (off as number)).toFixed(1)}" y="${(H - PAD - h).toFixed(1)}" width="${(bw / 2 - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${colour as string}"><title>${label as string} ${esc(classes[k] ?? String(k))}: ${((v as number) * 100).toFixed(1)} %</title></rect>`
  }).concat(`<text x="${(PAD + i * bw + bw / 2).toFixed(1)}" y="${H - 8}" font-size="11" text-anchor="middle">${esc(classes[k] ?? String(k))}</text>`))
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="${esc(name)} distribution, reference vs current"><line x1="${PAD}" y1="${H - PAD}" x2="${W - PAD}" y2="${H - PAD}" stroke="#999"/>${rects.join('')}</svg>`
}

function esc (s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string)
}
