// inference.GRPCInferenceService (Triton's gRPC protocol) over the shared KServe V2 model view.
// Answers carry raw_output_contents (little-endian), the only form tritonclient.grpc reads.
import type * as grpc from '@grpc/grpc-js'
import { TensorInvalidError } from '../../lib/errors.js'
import type { InferInput, KServe } from '../kserve/server/inference.js'
import { toLittleEndianBytes } from '../kserve/server/tensors.js'
import { unary } from './protos.js'

interface NameVersion { name: string, version: string }
interface Contents { fp32_contents?: number[], [k: string]: unknown[] | undefined }
interface InferRequest {
  model_name: string
  model_version: string
  id: string
  inputs: Array<{ name: string, datatype: string, shape: number[], contents?: Contents | null }>
  outputs: Array<{ name: string }>
  raw_input_contents: Buffer[]
}

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

/** The front's name in the prediction log. */
const ROUTE = 'inference.GRPCInferenceService/ModelInfer'

export function createKServeService (kserve: KServe): grpc.UntypedServiceImplementation {
  return {
    ServerLive: unary(() => ({ live: true })),
    ServerReady: unary(() => ({ ready: kserve.serverReady() })),
    ModelReady: unary((r: NameVersion) => ({ ready: kserve.isReady(r.name, r.version) })),
    ServerMetadata: unary(() => kserve.serverMetadata()),
    ModelMetadata: unary((r: NameVersion) => kserve.modelMetadata(r.name, r.version)),
    ModelConfig: unary((r: NameVersion) => ({ config: kserve.modelConfig(r.name, r.version) })),
    ModelStatistics: unary((r: NameVersion) => kserve.statistics(r.name, r.version)),
    RepositoryIndex: unary((r: { ready: boolean }) => ({ models: kserve.repositoryIndex(r.ready) })),
    ModelInfer: unary(async (req: InferRequest) => {
      const result = await kserve.infer(req.model_name, req.model_version, decode(req), req.outputs.map((o) => o.name), ROUTE)
      return {
        model_name: result.model_name,
        model_version: result.model_version,
        id: req.id,
        outputs: result.outputs.map((o) => ({ name: o.name, datatype: o.datatype, shape: o.shape })),
        raw_output_contents: result.outputs.map((o) => toLittleEndianBytes(o.data))
      }
    })
  }
}
