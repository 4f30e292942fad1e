// Seed 002's prediction endpoint: the `production` version of config.json's model (simple_classifier)
// from the registry, hot-reloaded when retraining promotes a new one. JSON {"instances": [[x1, x2], ...]}
// or form fields x1, x2; answers {"predictions": [[p], ...]} with p the positive-class probability.
import formbody from '@fastify/formbody'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { roundFloat32 } from '../services/inference/classification.js'
import { FLOAT32_MAX } from '../services/inference/input-checks.js'
import { ModelInputError } from '../services/lib/errors.js'
import { readRetrainConfig } from '../services/training/retrain/pipeline.js'
import { ErrorSchema } from '../schemas/iris.js'

// A decimal number within float32's range (+/-3.4e38): up to 38 integer digits without an exponent,
// up to 8 with a positive exponent of at most 29 (any negative exponent: it only rounds towards 0).
// ASCII classes, not \d and \s, which mean more in other regex engines (a generated client's).
const NUMBER = '^[ \\t]*[-+]?([0-9]{1,38}(\\.[0-9]*)?|\\.[0-9]+|([0-9]{1,8}(\\.[0-9]*)?|\\.[0-9]+)[eE](-[0-9]+|\\+?[0-2]?[0-9]))[ \\t]*$'
const FLOAT32 = { minimum: -FLOAT32_MAX, maximum: FLOAT32_MAX }

const predictRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { registry, inference, config } = fastify
  await fastify.register(formbody)
  const modelName = (await readRetrainConfig(config.RETRAIN_CONFIG)).model_name

  fastify.post('/predict', {
    schema: {
      tags: ['registry'],
      summary: `Probability of the positive class from ${modelName}@production`,
      description: 'JSON {"instances": [[x1, x2], ...]} or application/x-www-form-urlencoded x1=..&x2=..',
      body: Type.Union([
        Type.Object({
          instances: Type.Array(Type.Array(Type.Number({ ...FLOAT32, description: 'a float32 value' }), { minItems: 2, maxItems: 2 }), { minItems: 1, maxItems: config.MAX_BATCH_INSTANCES })
        }, { additionalProperties: false }),
        Type.Object({ x1: Type.String({ pattern: NUMBER, description: 'a decimal number within the float32 range' }), x2: Type.String({ pattern: NUMBER, description: 'a decimal number within the float32 range' }) }, { additionalProperties: false })
      ]),
      response: {
        200: Type.Object({ predictions: Type.Array(Type.Array(Type.Number())), model: Type.Object({ name: Type.String(), version: Type.String() }) }),
        400: ErrorSchema,
        404: ErrorSchema,
        502: ErrorSchema,
        503: ErrorSchema
      }
    }
  }, async (request, reply) => {
    const body = request.body
    const instances = 'instances' in body ? body.instances : [[Number(body.x1), Number(body.x2)]]
    // Beyond float32 a number becomes Infinity in the tensor: refused here, where the sent value is known.
    const r = instances.findIndex((row) => row.some((x) => !Number.isFinite(x) || Math.abs(x) > FLOAT32_MAX))
    if (r !== -1) {
      const c = instances[r].findIndex((x) => !Number.isFinite(x) || Math.abs(x) > FLOAT32_MAX)
      throw new ModelInputError(modelName, `x${c + 1} a finite float32 number; row ${r} has ${instances[r][c]}`)
    }
    const { model, version } = await registry.serving.resolve(modelName, { alias: 'production' })
    if (model.numFeatures !== 2) throw new ModelInputError(modelName, `2 features, but version ${version} takes ${model.numFeatures}`)
    const prediction = await inference.predict({ model, rows: Float32Array.from(instances.flat()), route: request.routeOptions.url ?? request.url, reply })
    return { predictions: instances.map((_, i) => [roundFloat32(prediction.probabilities[i])]), model: { name: modelName, version } }
  })
}

export default predictRoutes
