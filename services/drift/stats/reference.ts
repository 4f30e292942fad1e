// The drift reference: the training rows saved with a model version (`reference.csv`, written by
// the trainer next to model.onnx). A header names the columns; features are matched by name and a
// label column, when present, gives the training class distribution (names or indices).
import { FEATURE_NAMES } from '../../../schemas/iris.js'
import type { ReferenceData } from '../report.js'

export const REFERENCE_FILE = 'reference.csv'
const LABEL_COLUMNS = ['label', 'species', 'target', 'class', 'class_index', 'y']

/**
 * The feature names requests are logged with: a 4-input model is served the Iris measurements
 * (in its own order when its metadata names them, else in Iris order, as classification's toRows
 * does); any other model logs its own input names.
 */
export function loggedFeatureNames (model: { featureNames: string[] }): string[] {
  if (model.featureNames.every((f) => (FEATURE_NAMES as readonly string[]).includes(f))) return model.featureNames
  return model.featureNames.length === FEATURE_NAMES.length ? [...FEATURE_NAMES] : model.featureNames
}

export function parseReferenceCsv (text: string, features: string[], classes: string[], source: string): ReferenceData {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '')
  if (lines.length < 2) throw new Error(`${source} has no data rows`)
  const header = splitCsvLine(lines[0]).map((h) => h.trim().toLowerCase())
  const missing = features.filter((f) => !header.includes(f.toLowerCase()))
  if (missing.length > 0) throw new Error(`${source} lacks the feature column(s) ${missing.join(', ')} (has ${header.join(', ')})`)
  const featureAt = features.map((f) => header.indexOf(f.toLowerCase()))
  const labelAt = header.findIndex((h) => LABEL_COLUMNS.includes(h))
  const columns: Record<string, number[]> = Object.fromEntries(features.map((f) => [f, []]))
  const labels: number[] = []
  const classIndex = new Map(classes.map((c, i) => [c, i]))
  lines.slice(1).forEach((line, i) => {
    const cells = splitCsvLine(line)
    features.forEach((f, j) => {
      const v = Number(cells[featureAt[j]])
      if (cells[featureAt[j]] === undefined || cells[featureAt[j]].trim() === '' || !Number.isFinite(v)) {
        throw new Error(`${source} row ${i + 2}: ${f} is not a number ("${cells[featureAt[j]] ?? ''}")`)
      }
      columns[f].push(v)
    })
    if (labelAt >= 0) {
      const raw = (cells[labelAt] ?? '').trim()
      const k = classIndex.get(raw) ?? (/^\d+$/.test(raw) ? Number(raw) : undefined)
      if (k === undefined) throw new Error(`${source} row ${i + 2}: unknown class "${raw}"`)
      labels.push(k)
    }
  })
  return { columns, labels: labelAt >= 0 ? labels : null, rows: lines.length - 1, source }
}

/** One CSV line (RFC 4180 quoting). */
export function splitCsvLine (line: string): string[] {
  const cells: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cell += '"'; i++ } else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') { cells.push(cell); cell = '' } else cell += ch
  }
  cells.push(cell)
  return cells
}
