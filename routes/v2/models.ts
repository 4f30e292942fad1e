// KServe V2 model endpoints, each with and without /versions/{v}: metadata, ready, config, stats
// and infer (JSON tensors or the binary tensor extension), through the same adaptive batcher.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { binaryOutputs, decodeInputs, encodeResponse, splitBody, type InferRequestJson } from '../../services/protocols/kserve/server/binary.js'
import { classCount } from '../../services/protocols/kserve/server/classification.js'
import { TensorInvalidError } from '../../services/lib/errors.js'
import {
  InferRequestSchema, InferResponseSchema, ModelConfigSchema, ModelMetadataSchema, ModelParamsSchema, StatisticsSchema, V2ErrorSchema
} from '../../schemas/v2.js'

const tags = ['kserve-v2']
const errors = { 400: V2ErrorSchema, 404: V2ErrorSchema, 503: V2ErrorSchema }
const prefixes = ['/models/:model', '/models/:model/versions/:version']
type Params = Static<typeof ModelParamsSchema>

const modelRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { kserve } = fastify
  // The binary part of each infer request, kept beside the JSON header that the schema validates.
  const binaries = new WeakMap<FastifyRequest, { binary: Buffer, raw: boolean }>()

  for (const base of prefixes) {
    fastify.get(base, {
      schema: { tags, summary: 'Model metadata: versions, platform, input and output tensors', params: ModelParamsSchema, response: { 200: ModelMetadataSchema, ...errors } }
    }, async (request) => kserve.modelMetadata(request.params.model, request.params.version))

    fastify.get(`${base}/ready`, {
      schema: {
        tags,
        summary: 'Model readiness: 200 {"name", "ready": true}; 404 unknown model, 503 not loaded',
        params: ModelParamsSchema,
        response: { 200: Type.Object({ name: Type.String(), ready: Type.Boolean() }), ...errors }
      }
    }, async (request) => {
      kserve.resolve(request.params.model, request.params.version)
      return { name: request.params.model, ready: true }
    })

    fastify.get(`${base}/config`, {
      schema: { tags, summary: 'Model configuration in Triton\'s ModelConfig JSON', params: ModelParamsSchema, response: { 200: ModelConfigSchema, ...errors } }
    }, async (request) => kserve.modelConfig(request.params.model, request.params.version))

    fastify.get(`${base}/stats`, {
      schema: { tags, summary: 'Inference statistics of the model (Triton statistics extension)', params: ModelParamsSchema, response: { 200: StatisticsSchema, ...errors } }
    }, async (request) => kserve.statistics(request.params.model, request.params.version))

    fastify.post(`${base}/infer`, {
      bodyLimit: fastify.config.PROTOCOL_BODY_LIMIT,
      schema: {
        tags,
        summary: 'Inference: JSON tensors, or the binary tensor extension (Inference-Header-Content-Length); no Content-Type needed',
        params: ModelParamsSchema,
        body: InferRequestSchema,
        response: { 200: InferResponseSchema, ...errors, 413: V2ErrorSchema }
      },
      preValidation: async (request: FastifyRequest<{ Params: Params }>) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
        const header = request.headers['inference-header-content-length']
        if (body.length === 0) throw new TensorInvalidError('the request body is empty: send the inference request as JSON, e.g. {"inputs": [{"name": "float_input", "shape": [1, 4], "datatype": "FP32", "data": [[5.1, 3.5, 1.4, 0.2]]}]}')
        const { json, binary } = splitBody(body, Array.isArray(header) ? header[0] : header, fastify.config.PROTOCOL_JSON_BODY_LIMIT)
        if (json === null) {
          // Raw binary request: the body is the single input's bytes, one row, all outputs binary.
          const m = kserve.resolve(request.params.model, request.params.version)
          request.body = { inputs: [{ name: m.inputName, shape: [1, m.numFeatures], datatype: 'FP32', parameters: { binary_data_size: binary.length } }] }
          binaries.set(request, { binary, raw: true })
        } else {
          request.body = json
          binaries.set(request, { binary, raw: false })
        }
      }
    }, async (request, reply) => {
      const req = request.body as InferRequestJson
      const { binary, raw } = binaries.get(request)!
      const outputs = req.outputs?.map((o) => ({ name: o.name, classCount: classCount(o.name, o.parameters?.classification) }))
      const result = await kserve.infer(request.params.model, request.params.version, decodeInputs(req, binary), outputs, request.routeOptions.url ?? request.url, reply)
      const encoded = encodeResponse(result, req.id, binaryOutputs(raw ? null : req))
      if ('json' in encoded) return encoded.json
      // A Buffer bypasses the response serializer; the schema documents the JSON header.
      return reply
        .header('content-type', 'application/octet-stream')
        .header('inference-header-content-length', String(encoded.headerLength))
        .send(encoded.binary as never)
    })
  }
}

export default modelRoutes
