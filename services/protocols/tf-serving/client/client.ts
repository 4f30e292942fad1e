// Client of TensorFlow Serving: REST `:predict` (row "instances" or columnar "inputs"), model
// status and metadata, and gRPC PredictionService/Predict with TensorProto. Every call has a
// deadline; REST goes through the upstream factory (services/lib/upstream.ts: injectable dispatcher,
// breaker), and every failure speaks its vocabulary (services/lib/upstream-failures.ts).
import * as grpc from '@grpc/grpc-js'
import type { Dispatcher } from 'undici'
import { UpstreamBadResponseError, UpstreamNotConfiguredError } from '../../../lib/errors.js'
import { createServingUpstream, type UpstreamOptions } from '../../../lib/upstream.js'
import { grpcFailure, statusFailure } from '../../../lib/upstream-failures.js'
import { decodeTensor, floatTensor, type TensorProtoLike } from './tensor-proto.js'

export type TfServingProtocol = 'rest' | 'grpc'
export type RestFormat = 'row' | 'columnar'

export interface TfServingClientOptions {
  restUrl: string
  grpcUrl: string
  timeoutMs: number
  PredictionService: grpc.ServiceClientConstructor
  /** REST transport (tests may pass a MockAgent); default: an Agent owned by the client. */
  dispatcher?: Dispatcher
  breaker?: UpstreamOptions['breaker']
}

export interface TfPrediction { modelVersion: string | null, probabilities: number[][] }

const UPSTREAM = 'TF Serving'

/** Probability rows from a REST answer: one output is a bare list per row; several are objects per row. */
export function probabilityRows (value: unknown, nRows: number, output = 'probabilities'): number[][] {
  const rows = (Array.isArray(value) ? value : (value as Record<string, unknown> | null)?.[output]) as unknown
  if (!Array.isArray(rows) || rows.length !== nRows) throw new Error(`expected ${nRows} prediction rows`)
  return rows.map((r) => {
    const row = Array.isArray(r) ? r : (r as Record<string, unknown>)[output]
    if (!Array.isArray(row) || !row.every((x) => typeof x === 'number')) throw new Error('a prediction row is not a list of numbers')
    return row as number[]
  })
}

export function createTfServingClient (opts: TfServingClientOptions) {
  const base = opts.restUrl.replace(/\/+$/, '')
  // One deadline for every phase: SERVING_TIMEOUT_MS bounds the whole call.
  const upstream = base === ''
    ? null
    : createServingUpstream({ name: UPSTREAM, url: base, dispatcher: opts.dispatcher, breaker: opts.breaker, timeoutMs: opts.timeoutMs })
  const grpcClient = opts.grpcUrl === '' ? null : new opts.PredictionService(opts.grpcUrl.replace(/^grpc:\/\//, ''), grpc.credentials.createInsecure())

  const modelPath = (model: string, version?: string) => `/v1/models/${encodeURIComponent(model)}${version === undefined || version === '' ? '' : `/versions/${encodeURIComponent(version)}`}`

  async function rest (method: 'GET' | 'POST', path: string, model: string, body?: unknown): Promise<unknown> {
    if (upstream === null) throw new UpstreamNotConfiguredError(UPSTREAM, 'TF_SERVING_URL')
    const res = await upstream.request({ method, path, model, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) })
    const text = res.body.toString('utf8')
    let json: unknown
    try { json = JSON.parse(text) } catch { json = undefined }
    if (res.statusCode >= 400) throw statusFailure(UPSTREAM, res.statusCode, (json as { error?: string } | undefined)?.error ?? text, { model, passClientErrors: false })
    if (json === undefined) throw new UpstreamBadResponseError(UPSTREAM, 'the body is not JSON')
    return json
  }

  return {
    restConfigured: base !== '',
    /** The REST upstream's breaker (null without a REST URL). */
    breaker: upstream?.breaker ?? null,
    /** Single flight for health checks: polls share the pending probe instead of piling up calls. */
    probe: async <T>(fn: () => Promise<T>): Promise<T> => upstream === null ? await fn() : await upstream.probe(fn),
    grpcConfigured: grpcClient !== null,

    /** GET /v1/models/{m}[/versions/{v}]: model_version_status. */
    status: async (model: string, version?: string) => await rest('GET', modelPath(model, version), model) as { model_version_status: Array<{ version: string, state: string }> },
    metadata: async (model: string, version?: string) => await rest('GET', `${modelPath(model, version)}/metadata`, model),

    async predictRest (model: string, rows: number[][], format: RestFormat = 'row', version?: string): Promise<TfPrediction> {
      const answer = await rest('POST', `${modelPath(model, version)}:predict`, model, format === 'row' ? { instances: rows } : { inputs: rows }) as Record<string, unknown>
      try {
        return { modelVersion: version ?? null, probabilities: probabilityRows(format === 'row' ? answer.predictions : answer.outputs, rows.length) }
      } catch (err) {
        throw new UpstreamBadResponseError(UPSTREAM, (err as Error).message)
      }
    },

    /** PredictionService/Predict with one float input (its name from the model's signature). */
    async predictGrpc (model: string, input: string, rows: Float32Array, nRows: number, output = 'probabilities', version?: string): Promise<TfPrediction> {
      if (grpcClient === null) throw new UpstreamNotConfiguredError(UPSTREAM, 'TF_SERVING_GRPC_URL')
      const req = {
        model_spec: { name: model, signature_name: 'serving_default', ...(version === undefined ? {} : { version: { value: Number(version) } }) },
        inputs: { [input]: floatTensor(rows, nRows) }
      }
      const res = await new Promise<{ outputs: Record<string, TensorProtoLike>, model_spec?: { version?: { value: number } | null } }>((resolve, reject) => {
        (grpcClient as unknown as { Predict: grpc.requestCallback<unknown> & ((r: unknown, m: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: never) => void) => void) })
          .Predict(req, new grpc.Metadata(), { deadline: Date.now() + opts.timeoutMs }, (err, r) => {
            if (err !== null) reject(grpcFailure(UPSTREAM, err, opts.timeoutMs, model))
            else resolve(r)
          })
      })
      try {
        const tensor = res.outputs[output] ?? Object.values(res.outputs)[0]
        if (tensor === undefined) throw new Error('no output tensor')
        const { shape, data } = decodeTensor(tensor)
        if (shape[0] !== nRows) throw new Error(`output has ${shape[0]} rows, expected ${nRows}`)
        const k = data.length / nRows
        return {
          modelVersion: res.model_spec?.version?.value !== undefined ? String(res.model_spec.version.value) : null,
          probabilities: Array.from({ length: nRows }, (_, r) => data.slice(r * k, (r + 1) * k))
        }
      } catch (err) {
        throw new UpstreamBadResponseError(UPSTREAM, (err as Error).message)
      }
    },

    async close () {
      grpcClient?.close()
      await upstream?.close()
    }
  }
}
