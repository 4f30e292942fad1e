// Classifying one Iris sample through each serving path: Triton, TF Serving, the in-process model,
// and the gateway's own fronts over the network (iris gRPC service, V2 HTTP). Each answer carries
// its timing; an upstream 503/504 can fall back to the local model (SERVING_FALLBACK=local).
import type * as grpc from '@grpc/grpc-js'
import { UpstreamBadResponseError } from '../lib/errors.js'
import { grpcFailure } from '../lib/upstream-failures.js'
import type { KServeClient, V2Protocol } from '../protocols/kserve/client/client.js'
import type { TfServingProtocol } from '../protocols/tf-serving/client/client.js'
import type { IrisFeatures } from '../../schemas/iris.js'
import { featureRow, fromProbabilities, round3, type BriefClassification } from './results.js'

export interface TritonLike extends Pick<KServeClient, 'infer'> { model: string, protocol: V2Protocol, assertEnabled: () => void }
export interface TfServingLike {
  model: string
  protocol: TfServingProtocol
  assertEnabled: () => void
  predictRest: (model: string, rows: number[][]) => Promise<{ modelVersion: string | null, probabilities: number[][] }>
  predictGrpc: (model: string, input: string, rows: Float32Array, n: number) => Promise<{ modelVersion: string | null, probabilities: number[][] }>
  /** The highest AVAILABLE version from the model status, or null. */
  servedVersion: () => Promise<string | null>
}

export interface RemoteDeps {
  triton: TritonLike
  tfServing: TfServingLike
  /** The in-process model: probabilities and the served version. */
  local: (f: IrisFeatures) => Promise<{ probabilities: number[], version: string, classes: string[] }>
  classes: () => string[]
  fallback: 'none' | 'local'
  /** The iris gRPC client (self or GRPC_TARGET) and the V2 HTTP client (self or INFERENCE_HTTP_URL). */
  irisGrpc: () => { client: grpc.Client, target: string }
  v2Http: () => { client: KServeClient, target: string, model: string }
  timeoutMs: number
  now?: () => number
  /** Called once per upstream call: which server, how, and with what result (a code or 'ok'). */
  observe?: (upstream: string, protocol: string, outcome: string, seconds: number) => void
  /** Throws a 400 for a sample no path may be sent (non-finite, beyond float32, outside the feature bounds). */
  check?: (f: IrisFeatures) => void
}

export function createRemoteServing (deps: RemoteDeps) {
  const now = deps.now ?? (() => performance.now())
  const timed = async <T>(fn: () => Promise<T>) => { const t0 = now(); const value = await fn(); return { value, ms: round3(now() - t0) } }
  /** Times an upstream call and reports it to `observe`, failures included. */
  async function upstream<T> (name: string, protocol: string, fn: () => Promise<T>) {
    const t0 = now()
    try {
      const value = await fn()
      deps.observe?.(name, protocol, 'ok', (now() - t0) / 1000)
      return { value, ms: round3(now() - t0) }
    } catch (err) {
      deps.observe?.(name, protocol, (err as { code?: string }).code ?? 'error', (now() - t0) / 1000)
      throw err
    }
  }

  const check = deps.check ?? (() => {})

  async function withFallback<T extends object> (f: IrisFeatures, allowed: boolean, call: () => Promise<T>) {
    check(f)
    try {
      return await call()
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode
      if (!allowed || deps.fallback !== 'local' || (status !== 503 && status !== 504)) throw err
      const { value, ms } = await timed(() => deps.local(f))
      return {
        ...fromProbabilities(value.probabilities, value.classes),
        serving_infrastructure: 'direct_onnx_runtime',
        model_version: value.version,
        response_time_ms: ms,
        batch_size: 1,
        protocol: 'local',
        fallback: true,
        fallback_reason: (err as Error).message
      }
    }
  }

  return {
    /** Throws the 400 a sample gets before any path is tried (a comparison checks once, up front). */
    check,

    /** `fallback: false` for measurements, where a local answer would be mistaken for Triton's. */
    async triton (f: IrisFeatures, fallback = true) {
      return await withFallback(f, fallback, async () => {
        deps.triton.assertEnabled()
        const spec = { input: 'float_input', rows: featureRow(f), nRows: 1, outputs: ['probabilities'] }
        const { value, ms } = await upstream('triton', deps.triton.protocol, () => deps.triton.infer(deps.triton.protocol, deps.triton.model, '', spec))
        const probs = value.outputs.probabilities?.data
        if (probs === undefined) throw new UpstreamBadResponseError('Triton', 'no probabilities output')
        return { ...fromProbabilities(probs, deps.classes()), serving_infrastructure: 'triton_inference_server', model_version: value.modelVersion, response_time_ms: ms, batch_size: 1, protocol: deps.triton.protocol }
      })
    },

    async tfServing (f: IrisFeatures, fallback = true) {
      return await withFallback(f, fallback, async () => {
        deps.tfServing.assertEnabled()
        const { model, protocol } = deps.tfServing
        const { value, ms } = await upstream('tf_serving', protocol, () => protocol === 'grpc'
          ? deps.tfServing.predictGrpc(model, 'float_input', featureRow(f), 1)
          : deps.tfServing.predictRest(model, [Array.from(featureRow(f))]))
        const known = value.modelVersion ?? await deps.tfServing.servedVersion()
        const version = known === null ? null : Number(known)
        return { ...fromProbabilities(value.probabilities[0], deps.classes()), serving_infrastructure: 'tensorflow_serving', model_version: version, response_time_ms: ms, batch_size: 1, protocol }
      })
    },

    async local (f: IrisFeatures) {
      check(f)
      const { value, ms } = await timed(() => deps.local(f))
      return { ...fromProbabilities(value.probabilities, value.classes), serving_infrastructure: 'direct_onnx_runtime', model_version: value.version, response_time_ms: ms, batch_size: 1, protocol: 'local' }
    },

    /** The seed's iris gRPC service (Classify) over the network. */
    async grpc (f: IrisFeatures): Promise<BriefClassification & { protocol: 'gRPC', processing_time_ms: number, target: string }> {
      check(f)
      const { client, target } = deps.irisGrpc()
      const { value, ms } = await upstream('iris_grpc', 'grpc', () => new Promise<BriefClassification>((resolve, reject) => {
        (client as unknown as Record<string, (r: unknown, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: BriefClassification) => void) => void>)
          .Classify({ ...f }, { deadline: Date.now() + deps.timeoutMs }, (err, res) => {
            if (err !== null) reject(grpcFailure('gRPC inference server', err, deps.timeoutMs, ''))
            else resolve(res)
          })
      }))
      const { predicted_class: c, predicted_class_index: i, probabilities: p, confidence } = value
      return { predicted_class: c, predicted_class_index: i, probabilities: p.map(Number), confidence, protocol: 'gRPC', processing_time_ms: ms, target }
    },

    /** A V2 HTTP inference server (the gateway's own /v2 front by default) over the network. */
    async http (f: IrisFeatures): Promise<BriefClassification & { protocol: 'HTTP', processing_time_ms: number, target: string }> {
      check(f)
      const { client, target, model } = deps.v2Http()
      const spec = { input: 'float_input', rows: featureRow(f), nRows: 1, outputs: ['probabilities'] }
      const { value, ms } = await upstream('v2_http', 'http-json', () => client.infer('http-json', model, '', spec))
      const probs = value.outputs.probabilities?.data
      if (probs === undefined) throw new UpstreamBadResponseError('HTTP inference server', 'no probabilities output')
      return { ...fromProbabilities(probs, deps.classes()), protocol: 'HTTP', processing_time_ms: ms, target }
    }
  }
}

export type RemoteServing = ReturnType<typeof createRemoteServing>
