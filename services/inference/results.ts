// Turning remote serving answers into the seed's classification shape, and the timing statistics of
// the protocol benchmark and the serving comparison. Pure functions; clocks are the caller's.
import { roundFloat32 } from './classification.js'
import { FEATURE_NAMES, type IrisFeatures } from '../../schemas/iris.js'

export const IRIS_CLASSES = ['setosa', 'versicolor', 'virginica']

/** One float32 row in the exported models' feature order (the order the trainer wrote). */
export function featureRow (f: IrisFeatures): Float32Array {
  return Float32Array.from(FEATURE_NAMES, (name) => f[name])
}

export interface BriefClassification { predicted_class: string, predicted_class_index: number, probabilities: number[], confidence: number }

/** The arg-max class of one probability row (a remote server's label output is not needed). */
export function fromProbabilities (probabilities: number[], classes: readonly string[] = IRIS_CLASSES): BriefClassification {
  const probs = probabilities.map(roundFloat32)
  let best = 0
  for (let i = 1; i < probs.length; i++) if (probs[i] > probs[best]) best = i
  return { predicted_class: classes[best] ?? String(best), predicted_class_index: best, probabilities: probs, confidence: probs[best] }
}

export const round2 = (x: number) => Math.round(x * 100) / 100
export const round3 = (x: number) => Math.round(x * 1000) / 1000

export interface TimingStats { mean_ms: number, p50_ms: number, p95_ms: number, min_ms: number, max_ms: number }

/** Nearest-rank percentiles (p50 of [1,2,3,4] is 2): no interpolation between observed times. */
export function timingStats (times: number[]): TimingStats {
  if (times.length === 0) return { mean_ms: 0, p50_ms: 0, p95_ms: 0, min_ms: 0, max_ms: 0 }
  const sorted = [...times].sort((a, b) => a - b)
  const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]
  return {
    mean_ms: round3(sorted.reduce((s, x) => s + x, 0) / sorted.length),
    p50_ms: round3(rank(0.5)),
    p95_ms: round3(rank(0.95)),
    min_ms: round3(sorted[0]),
    max_ms: round3(sorted[sorted.length - 1])
  }
}

/** The seed's REST vs gRPC verdict: speedup = slower mean / faster mean. */
export function protocolAnalysis (httpMs: number, grpcMs: number) {
  const faster = grpcMs <= httpMs ? 'gRPC' : 'HTTP'
  const speedup = Math.min(httpMs, grpcMs) > 0 ? Math.max(httpMs, grpcMs) / Math.min(httpMs, grpcMs) : 1
  return { http_time_ms: round3(httpMs), grpc_time_ms: round3(grpcMs), speedup_factor: round2(speedup), faster_protocol: faster, time_difference_ms: round3(Math.abs(httpMs - grpcMs)) }
}

export interface MethodResult { available: boolean, average_response_time_ms?: number, success_rate?: number }

const LABELS: Record<string, string> = { direct_onnx: 'Direct ONNX', tensorflow_serving: 'TensorFlow Serving', triton_inference: 'Triton' }
const label = (name: string) => LABELS[name] ?? name
const ms = (x: number) => `${round2(x)} ms`

/**
 * The seed's performance_analysis over the methods that answered at least once. Every
 * recommendation is a statement about this run's measurements (which methods answered, their
 * means, their ratio, the calls that failed), never a fixed verdict: with one method answering
 * there is nothing to rank, and a gap under 10 % on a few calls is not a reason to pick a server.
 */
export function servingAnalysis (methods: Record<string, MethodResult>) {
  const timed = Object.entries(methods)
    .filter(([, m]) => m.available && (m.success_rate ?? 0) > 0 && m.average_response_time_ms !== undefined)
    .map(([name, m]) => ({ name, ms: m.average_response_time_ms as number, success: m.success_rate as number }))
    .sort((a, b) => a.ms - b.ms)
  const unavailable = Object.entries(methods).filter(([, m]) => !m.available).map(([name]) => name)
  const notCompared = unavailable.length > 0 ? [`Not compared (unavailable): ${unavailable.join(', ')}`] : []
  if (timed.length === 0) return { fastest_method: null, fastest_avg_time_ms: null, slowest_method: null, slowest_avg_time_ms: null, speedup_factor: null, recommendations: ['No serving method answered', ...notCompared] }
  const fastest = timed[0]
  const slowest = timed[timed.length - 1]
  const speedup = fastest.ms > 0 ? slowest.ms / fastest.ms : 1
  const recommendations: string[] = []
  if (timed.length === 1) {
    recommendations.push(`Only ${label(fastest.name)} answered (${ms(fastest.ms)} mean): nothing to compare it with; configure another serving method to rank them`)
  } else {
    const others = timed.slice(1).map((m) => `${label(m.name)} ${ms(m.ms)}`).join(', ')
    recommendations.push(`${label(fastest.name)} answered fastest in this run: ${ms(fastest.ms)} mean, against ${others}`)
    recommendations.push(`Performance difference: ${speedup.toFixed(1)}x between fastest and slowest`)
    if (speedup < 1.1) recommendations.push('The methods are within 10 % of each other: choose on features (versioning, batching, fleet), not on this latency')
  }
  for (const m of timed) if (m.success < 1) recommendations.push(`${label(m.name)} failed ${round2((1 - m.success) * 100)} % of its calls`)
  recommendations.push(...notCompared)
  return { fastest_method: fastest.name, fastest_avg_time_ms: fastest.ms, slowest_method: slowest.name, slowest_avg_time_ms: slowest.ms, speedup_factor: round2(speedup), recommendations }
}
