// Evidently's default per-column test (legacy stattests/registry.py::_get_default_stattest, which
// Evidently 0.7's DataDriftPreset/ValueDrift still call) and its thresholds (mlops.md §1.1): chosen
// by the reference size and the distinct values of ref ∪ cur. Its "chisquare" is a goodness of fit
// against the reference shares (the default here too); the 2×k homogeneity test, which also
// counts the reference's own sampling noise and alarms less on small windows, is the alternative
// (DRIFT_CHI_SQUARE=homogeneity).
import { ks2samp } from './ks.js'
import { binnedShares, chiSquareGoodnessOfFit, chiSquareHomogeneity, distinct, distinctValues, jensenShannon, psi, wassersteinNormed, zTestProportions } from './stats.js'

export type StatTest = 'kolmogorov_smirnov' | 'chi_square' | 'z_test' | 'wasserstein_distance_normed' | 'jensen_shannon_distance'

export interface ColumnDrift {
  drift_detected: boolean
  /** p-value for the tests, distance for the distances. */
  drift_score: number
  statistical_test: StatTest
  threshold: number
  /** Whether a smaller score (a p-value) or a larger one (a distance) means drift. */
  score_kind: 'p_value' | 'distance'
  /** The test statistic where there is one (KS D, chi-square). */
  statistic?: number
  /** KS: exact or asymptotic p-value; chi-square: goodness of fit (Evidently) or homogeneity. */
  method?: 'exact' | 'asymp' | ChiSquareVariant
  /** Population stability index on Evidently's bins, reported alongside (not the decision). */
  psi: number
}

/** `goodness_of_fit`: Evidently's chisquare stattest; `homogeneity`: scipy's chi2_contingency on the 2×k table. */
export type ChiSquareVariant = 'goodness_of_fit' | 'homogeneity'

export const SMALL_REFERENCE_MAX = 1000
export const P_VALUE_THRESHOLD = 0.05
export const DISTANCE_THRESHOLD = 0.1

export function distinctCount (a: number[], b: number[]): number {
  return distinct([a, b])
}

/** Picks the test as Evidently does and applies it; `numeric` is false for class labels. */
export function columnDrift (reference: number[], current: number[], numeric: boolean, chiSquare: ChiSquareVariant = 'goodness_of_fit'): ColumnDrift {
  const unique = distinctCount(reference, current)
  const bins = binnedShares(reference, current, numeric)
  const stability = psi(bins.reference, bins.current)
  if (reference.length > SMALL_REFERENCE_MAX) {
    const score = numeric && unique > 5 ? wassersteinNormed(reference, current) : jensenShannon(bins.reference, bins.current)
    return {
      drift_detected: score >= DISTANCE_THRESHOLD,
      drift_score: score,
      statistical_test: numeric && unique > 5 ? 'wasserstein_distance_normed' : 'jensen_shannon_distance',
      threshold: DISTANCE_THRESHOLD,
      score_kind: 'distance',
      psi: stability
    }
  }
  const base = { threshold: P_VALUE_THRESHOLD, score_kind: 'p_value' as const, psi: stability }
  if (numeric && unique > 5) {
    const ks = ks2samp(reference, current)
    // Evidently's KS flags at p <= threshold; its chi-square and Z flag at p < threshold.
    return { ...base, drift_detected: ks.pValue <= P_VALUE_THRESHOLD, drift_score: ks.pValue, statistical_test: 'kolmogorov_smirnov', statistic: ks.statistic, method: ks.method }
  }
  if (unique > 2) {
    const counts = countTable(reference, current)
    const chi = chiSquare === 'homogeneity' ? chiSquareHomogeneity(counts.reference, counts.current) : chiSquareGoodnessOfFit(counts.reference, counts.current)
    return { ...base, drift_detected: chi.pValue < P_VALUE_THRESHOLD, drift_score: chi.pValue, statistical_test: 'chi_square', statistic: chi.statistic, method: chiSquare }
  }
  const p = zTestProportions(reference, current)
  return { ...base, drift_detected: p < P_VALUE_THRESHOLD, drift_score: p, statistical_test: 'z_test' }
}

/** Counts per distinct value of reference ∪ current, in ascending value order. */
export function countTable (reference: number[], current: number[]): { keys: number[], reference: number[], current: number[] } {
  const keys = [...distinctValues([reference, current])].sort((a, b) => a - b)
  const index = new Map(keys.map((k, i) => [k, i]))
  const r = new Array<number>(keys.length).fill(0)
  const c = new Array<number>(keys.length).fill(0)
  for (const x of reference) r[index.get(x) as number]++
  for (const x of current) c[index.get(x) as number]++
  return { keys, reference: r, current: c }
}
