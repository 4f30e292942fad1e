// inference.GRPCInferenceService (Triton's gRPC protocol) over the shared KServe V2 model view.
// Answers carry raw_output_contents (little-endian), the only form tritonclient.grpc reads.
// ModelStreamInfer answers each request of the stream in order; a failed request is answered
// in-stream (error_message), as Triton does, and the stream stays open.
import * as grpc from '@grpc/grpc-js'
import { TensorInvalidError } from '../../lib/errors.js'
import type { InferInput, KServe, RequestedOutput } from '../kserve/server/inference.js'
import { classCount } from '../kserve/server/classification.js'
import { toLittleEndianBytes } from '../kserve/server/tensors.js'
import { errorDetails, unary, undecodable } from './protos.js'

interface NameVersion { name: string, version: string }
interface Contents { fp32_contents?: number[], [k: string]: unknown[] | undefined }
/** An InferParameter as proto-loader decodes it with `oneofs: true`. */
type Parameter = { parameter_choice?: string } & Record<string, unknown>
interface InferRequest {
  model_name: string
  model_version: string
  id: string
  inputs: Array<{ name: string, datatype: string, shape: number[], contents?: Contents | null }>
  outputs: Array<{ name: string, parameters?: Record<string, Parameter> }>
  raw_input_contents: Buffer[]
}
interface RepositoryRequest { model_name: string, parameters?: Record<string, Parameter> }

/** Reads the Authorization header of a call (tritonclient's `headers=` travel as metadata). */
export type Authorize = (request: { headers: { authorization?: string } }) => Promise<void>

function hasContents (c: Contents | null | undefined): boolean {
  return c != null && Object.values(c).some((v) => Array.isArray(v) && v.length > 0)
}

function decode (req: InferRequest): InferInput[] {
  const raw = req.raw_input_contents
  if (raw.length > 0) {
    if (raw.length !== req.inputs.length) throw new TensorInvalidError(`expected ${req.inputs.length} raw_input_contents, got ${raw.length}`)
    return req.inputs.map((i, k) => {
      if (hasContents(i.contents)) throw new TensorInvalidError(`contents field must not be specified when using raw_input_contents for '${i.name}'`)
      return { name: i.name, datatype: i.datatype, shape: i.shape, raw: raw[k] }
    })
  }
  return req.inputs.map((i) => ({ name: i.name, datatype: i.datatype, shape: i.shape, data: i.contents?.fp32_contents ?? [] }))
}

const valueOf = (p: Parameter | undefined): unknown => p?.parameter_choice === undefined ? undefined : p[p.parameter_choice]

/** Requested outputs, with the classification extension's count (tritonclient sends it as int64_param). */
function requested (req: InferRequest): RequestedOutput[] {
  return req.outputs.map((o) => ({ name: o.name, classCount: classCount(o.name, valueOf(o.parameters?.classification)) }))
}

/** The front's names in the prediction log. */
const ROUTE = 'inference.GRPCInferenceService/ModelInfer'
const STREAM_ROUTE = 'inference.GRPCInferenceService/ModelStreamInfer'

export function createKServeService (kserve: KServe, authorize: Authorize): grpc.UntypedServiceImplementation {
  async function infer (req: InferRequest, route: string) {
    const result = await kserve.infer(req.model_name, req.model_version, decode(req), requested(req), route)
    return {
      model_name: result.model_name,
      model_version: result.model_version,
      id: req.id,
      outputs: result.outputs.map((o) => ({ name: o.name, datatype: o.datatype, shape: o.shape })),
      raw_output_contents: result.outputs.map((o) => toLittleEndianBytes(o.data))
    }
  }

  const admin = (metadata: grpc.Metadata) => {
    const value = metadata.get('authorization')[0]
    return authorize({ headers: { authorization: typeof value === 'string' ? value : value?.toString() } })
  }

  /** The gateway loads model directories as they are on disk; Triton's overrides are refused. */
  function noOverrides (r: RepositoryRequest): void {
    const key = Object.keys(r.parameters ?? {}).find((k) => k === 'config' || k.startsWith('file:'))
    if (key !== undefined) throw Object.assign(new TensorInvalidError(`load parameter '${key}' is not supported: the gateway loads the model directory as it is on disk`), { statusCode: 501 })
  }

  const modelStreamInfer: grpc.handleBidiStreamingCall<InferRequest, unknown> = (call) => {
    // Requests run as they arrive (so they can share batches); answers are written in arrival order.
    let written: Promise<void> = Promise.resolve()
    let open = true
    call.on('data', (req: InferRequest) => {
      // A message that could not be decoded is answered in-stream, like any failed request.
      const reason = undecodable(req)
      const answer = (reason !== undefined ? Promise.reject(new TensorInvalidError(`cannot decode the request message: ${reason}`)) : infer(req, STREAM_ROUTE)).then(
        (response) => ({ error_message: '', infer_response: response }),
        (err) => ({ error_message: errorDetails(err).details, infer_response: { model_name: req.model_name ?? '', model_version: req.model_version ?? '', id: req.id ?? '' } }))
      written = written.then(async () => {
        const message = await answer
        if (open) call.write(message)
      })
    })
    // The client half-closed: answer what it sent, then close our side.
    call.on('end', () => { void written.then(() => { if (open && !call.cancelled) call.end() }) })
    // Cancelled (or the connection dropped), once grpc-js tells: nothing more is written; running requests finish.
    call.on('cancelled', () => { open = false })
    call.on('error', () => { open = false })
  }

  return {
    ServerLive: unary(() => ({ live: true })),
    ServerReady: unary(() => ({ ready: kserve.serverReady() })),
    ModelReady: unary((r: NameVersion) => ({ ready: kserve.isReady(r.name, r.version) })),
    ServerMetadata: unary(() => kserve.serverMetadata()),
    ModelMetadata: unary((r: NameVersion) => kserve.modelMetadata(r.name, r.version)),
    ModelConfig: unary((r: NameVersion) => ({ config: kserve.modelConfig(r.name, r.version) })),
    ModelStatistics: unary((r: NameVersion) => kserve.statistics(r.name, r.version)),
    RepositoryIndex: unary((r: { ready: boolean }) => ({ models: kserve.repositoryIndex(r.ready) })),
    RepositoryModelLoad: unary(async (r: RepositoryRequest, metadata) => {
      await admin(metadata)
      noOverrides(r)
      await kserve.loadModel(r.model_name)
      return {}
    }),
    RepositoryModelUnload: unary(async (r: RepositoryRequest, metadata) => {
      await admin(metadata)
      await kserve.unloadModel(r.model_name)
      return {}
    }),
    ModelInfer: unary((req: InferRequest) => infer(req, ROUTE)),
    ModelStreamInfer: modelStreamInfer
  }
}
