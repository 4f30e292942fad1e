// A KServe V2 client for one server (Triton, or any V2 endpoint such as the gateway itself):
// HTTP with undici (JSON or the binary tensor extension) and gRPC with grpc-js
// (inference.GRPCInferenceService, raw_input_contents / raw_output_contents). Every call has a
// deadline; HTTP goes through the upstream factory (services/lib/upstream.ts: injectable dispatcher,
// breaker), and every failure speaks its vocabulary (services/lib/upstream-failures.ts).
import * as grpc from '@grpc/grpc-js'
import type { Dispatcher } from 'undici'
import { isGatewayError, UpstreamBadResponseError, UpstreamNotConfiguredError } from '../../../lib/errors.js'
import { createServingUpstream, type UpstreamOptions } from '../../../lib/upstream.js'
import { errorMessage, grpcFailure, statusFailure } from '../../../lib/upstream-failures.js'
import { binaryRequest, decodeGrpcResponse, decodeHttpResponse, grpcRequest, jsonRequest, type DecodedOutputs, type GrpcInferResponse, type InferSpec } from './encoding.js'

export type V2Protocol = 'http-json' | 'http-binary' | 'grpc'

export interface KServeClientOptions {
  /** Name used in errors and /health ("Triton"). */
  upstream: string
  httpUrl?: string
  grpcUrl?: string
  timeoutMs: number
  /** The GRPCInferenceService client class (services/protocols/grpc/protos.ts). */
  GrpcClient: grpc.ServiceClientConstructor
  maxMessageBytes?: number
  connections?: number
  /** HTTP transport (tests may pass a MockAgent); default: an Agent owned by the client. */
  dispatcher?: Dispatcher
  breaker?: UpstreamOptions['breaker']
}

export interface InferResult { modelName: string, modelVersion: string, outputs: DecodedOutputs }

type Unary = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void

export function createKServeClient (opts: KServeClientOptions) {
  const httpBase = opts.httpUrl?.replace(/\/+$/, '')
  // One deadline for every phase: SERVING_TIMEOUT_MS bounds the whole call.
  const upstream = httpBase === undefined || httpBase === ''
    ? null
    : createServingUpstream({ name: opts.upstream, url: httpBase, dispatcher: opts.dispatcher, connections: opts.connections, breaker: opts.breaker, timeoutMs: opts.timeoutMs })
  const max = opts.maxMessageBytes ?? 64 * 1024 * 1024
  const grpcClient = opts.grpcUrl !== undefined && opts.grpcUrl !== ''
    ? new opts.GrpcClient(opts.grpcUrl.replace(/^grpc:\/\//, ''), grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': max, 'grpc.max_send_message_length': max
    })
    : null

  async function http (method: 'GET' | 'POST', path: string, model: string, body?: Buffer | string, headers: Record<string, string> = {}) {
    if (upstream === null) throw new UpstreamNotConfiguredError(opts.upstream, 'its HTTP URL')
    const res = await upstream.request({ method, path, model, body, headers })
    if (res.statusCode >= 400) throw statusFailure(opts.upstream, res.statusCode, errorMessage(res.body.toString('utf8')), { model, passClientErrors: false })
    return { status: res.statusCode, headers: res.headers, body: res.body }
  }

  function grpcCall<T> (method: string, req: unknown, model: string): Promise<T> {
    if (grpcClient === null) return Promise.reject(new UpstreamNotConfiguredError(opts.upstream, 'its gRPC URL'))
    const fn = (grpcClient as unknown as Record<string, Unary>)[method].bind(grpcClient)
    return new Promise((resolve, reject) => {
      fn(req, new grpc.Metadata(), { deadline: Date.now() + opts.timeoutMs }, (err, res) => {
        if (err !== null) reject(grpcFailure(opts.upstream, err, opts.timeoutMs, model))
        else resolve(res as T)
      })
    })
  }

  function modelPath (model: string, version: string) {
    return `/v2/models/${encodeURIComponent(model)}${version === '' ? '' : `/versions/${encodeURIComponent(version)}`}`
  }

  return {
    upstream: opts.upstream,
    /** The HTTP upstream's breaker (null without an HTTP URL). */
    breaker: upstream?.breaker ?? null,
    /** Single flight for health checks: polls share the pending probe instead of piling up calls. */
    probe: async <T>(fn: () => Promise<T>): Promise<T> => upstream === null ? await fn() : await upstream.probe(fn),
    httpConfigured: httpBase !== undefined && httpBase !== '',
    grpcConfigured: grpcClient !== null,

    /** GET /v2/health/ready (HTTP) or ServerReady (gRPC when only gRPC is configured). */
    async serverReady (): Promise<boolean> {
      if (httpBase !== undefined && httpBase !== '') return (await http('GET', '/v2/health/ready', '')).status === 200
      return (await grpcCall<{ ready: boolean }>('ServerReady', {}, '')).ready
    },

    /** Whether the model (version) is loaded; an unknown model is false, an unreachable server throws. */
    async modelReady (model: string, version = ''): Promise<boolean> {
      if (httpBase !== undefined && httpBase !== '') {
        // Triton answers 400 "Model version not ready" for an unknown model: any HTTP answer is a verdict.
        try {
          return (await http('GET', `${modelPath(model, version)}/ready`, model)).status === 200
        } catch (err) {
          const code = (err as { code?: string }).code
          if (code === 'GW_UPSTREAM_UNAVAILABLE' || code === 'GW_UPSTREAM_TIMEOUT' || code === 'GW_UPSTREAM_NOT_CONFIGURED' || code === 'GW_CIRCUIT_OPEN') throw err
          return false
        }
      }
      try {
        return (await grpcCall<{ ready: boolean }>('ModelReady', { name: model, version }, model)).ready
      } catch (err) {
        if ((err as { code?: string }).code === 'GW_UPSTREAM_MODEL_NOT_FOUND') return false
        throw err
      }
    },

    async metadata (model: string, version = ''): Promise<unknown> {
      return JSON.parse((await http('GET', modelPath(model, version), model)).body.toString('utf8'))
    },

    async infer (protocol: V2Protocol, model: string, version: string, spec: InferSpec): Promise<InferResult> {
      try {
        if (protocol === 'grpc') {
          const res = await grpcCall<GrpcInferResponse>('ModelInfer', grpcRequest(model, version, spec), model)
          return { modelName: res.model_name, modelVersion: res.model_version, outputs: decodeGrpcResponse(res) }
        }
        const path = `${modelPath(model, version)}/infer`
        const res = protocol === 'http-json'
          ? await http('POST', path, model, jsonRequest(spec), { 'content-type': 'application/json' })
          : await (async () => {
            const { body, headerLength } = binaryRequest(spec)
            return await http('POST', path, model, body, { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(headerLength) })
          })()
        const header = res.headers['inference-header-content-length']
        const { json, outputs } = decodeHttpResponse(res.body, header === undefined ? undefined : Number(header))
        return { modelName: json.model_name, modelVersion: json.model_version ?? '', outputs }
      } catch (err) {
        if (isGatewayError(err)) throw err
        throw new UpstreamBadResponseError(opts.upstream, (err as Error).message)
      }
    },

    async close () {
      grpcClient?.close()
      await upstream?.close()
    }
  }
}

export type KServeClient = ReturnType<typeof createKServeClient>
