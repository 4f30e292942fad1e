// TF-Serving-compatible REST (/v1/models/...): status, metadata, :predict, :classify and :regress
// over the in-process models. TF Serving reads bodies as JSON whatever the Content-Type and answers {"error": "..."} (the
// error renderer's 'tf-serving' shape; a path outside its grammar is a 400, not a 404).
// Its paths put the method after a colon (iris:predict), which a Fastify path cannot express after
// a parameter, so the last segment is one parameter split here.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type TObject } from '@sinclair/typebox'
import { BadRequestError } from '../../../services/lib/errors.js'
import { createTfServing, splitMethod } from '../../../services/protocols/tf-serving/server/tf-serving.js'
import { PredictBodySchema, PredictResponseSchema, TfErrorSchema, TfMetadataSchema, TfStatusSchema } from '../../../schemas/tf-serving.js'

const tags = ['tf-serving']
const name = Type.String({ pattern: '^[^/:]+$' })
const version = Type.String({ pattern: '^[0-9]+$' })
const label = Type.String({ pattern: '^[^/:]+$' })
const target = Type.String({ pattern: '^[^/:]+:(predict|classify|regress)$', description: 'model name and method, e.g. iris:predict' })
const errors = { 400: TfErrorSchema, 404: TfErrorSchema, 503: TfErrorSchema }

const tfServing: FastifyPluginAsyncTypebox = async (fastify) => {
  const tfs = createTfServing({ store: fastify.onnx, inference: fastify.inference, maxRows: fastify.config.MAX_BATCH_INSTANCES })

  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', { parseAs: 'string', bodyLimit: fastify.config.PROTOCOL_JSON_BODY_LIMIT }, (_req, body, done) => {
    try { done(null, JSON.parse(body as string)) } catch (err) { done(new BadRequestError(`JSON Parse error: ${(err as Error).message}`)) }
  })
  fastify.errorRenderer.scope(fastify, 'tf-serving')

  const statusOpts = <P extends TObject>(summary: string, params: P) => ({ schema: { tags, summary, params, response: { 200: TfStatusSchema, ...errors } } })
  fastify.get('/:model', statusOpts('Model status: every version and its state', Type.Object({ model: name })), async (r) => tfs.status({ model: r.params.model }))
  fastify.get('/:model/versions/:version', statusOpts('Status of one model version', Type.Object({ model: name, version })), async (r) => tfs.status(r.params))
  fastify.get('/:model/labels/:label', statusOpts('Model status (the label is ignored, as in TF Serving)', Type.Object({ model: name, label })), async (r) => tfs.status({ model: r.params.model }))

  const metaOpts = <P extends TObject>(summary: string, params: P) => ({ schema: { tags, summary, params, response: { 200: TfMetadataSchema, ...errors } } })
  fastify.get('/:model/metadata', metaOpts('Model metadata (SignatureDefs)', Type.Object({ model: name })), async (r) => tfs.metadata(r.params))
  fastify.get('/:model/versions/:version/metadata', metaOpts('Metadata of one version', Type.Object({ model: name, version })), async (r) => tfs.metadata(r.params))
  fastify.get('/:model/labels/:label/metadata', metaOpts('Metadata of a labelled version (default, latest)', Type.Object({ model: name, label })), async (r) => tfs.metadata(r.params))

  const predictOpts = <P extends TObject>(summary: string, params: P) => ({
    bodyLimit: fastify.config.PROTOCOL_JSON_BODY_LIMIT,
    schema: { tags, summary, params, body: PredictBodySchema, response: { 200: PredictResponseSchema, ...errors, 413: TfErrorSchema, 501: TfErrorSchema } }
  })
  fastify.post('/:target', predictOpts('Predict, Classify or Regress: POST /v1/models/{m}:predict with "instances" (rows) or "inputs" (columns); :classify / :regress with "examples" (and "context")', Type.Object({ target })), async (r, reply) => {
    const [model, method] = splitMethod(r.params.target)
    return tfs.run({ model }, method, r.body, r.routeOptions.url ?? r.url, reply)
  })
  fastify.post('/:model/versions/:target', predictOpts('Predict / Classify / Regress with one version: /v1/models/{m}/versions/{v}:predict', Type.Object({ model: name, target: Type.String({ pattern: '^[0-9]+:(predict|classify|regress)$' }) })), async (r, reply) => {
    const [v, method] = splitMethod(r.params.target)
    return tfs.run({ model: r.params.model, version: v }, method, r.body, r.routeOptions.url ?? r.url, reply)
  })
  fastify.post('/:model/labels/:target', predictOpts('Predict / Classify / Regress with a labelled version: /v1/models/{m}/labels/{l}:predict', Type.Object({ model: name, target })), async (r, reply) => {
    const [l, method] = splitMethod(r.params.target)
    return tfs.run({ model: r.params.model, label: l }, method, r.body, r.routeOptions.url ?? r.url, reply)
  })
}

export default tfServing
