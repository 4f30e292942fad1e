// The seed's gRPC iris service (proto/inference.proto): classify one sample, a batch, health.
// Same models, same adaptive batcher and same answer as POST /api/v1/classify.
import type * as grpc from '@grpc/grpc-js'
import { toClassification } from '../../inference/classification.js'
import { BadRequestError } from '../../lib/errors.js'
import type { ModelStore } from '../../inference/model-store.js'
import type { Inference } from '../../inference/prediction-path.js'
import { FEATURE_NAMES, type Classification, type IrisFeatures } from '../../../schemas/iris.js'
import { unary } from './protos.js'

interface Selector { model?: string, version?: string }
type ClassifyRequest = IrisFeatures & Selector
interface BatchRequest extends Selector { instances: IrisFeatures[] }

export interface IrisServiceOptions { store: ModelStore, inference: Inference, defaultModel: string, maxBatchInstances: number }

function features (x: IrisFeatures, where: string): IrisFeatures {
  for (const f of FEATURE_NAMES) {
    if (x[f] === undefined || x[f] === null) throw new BadRequestError(`${where}${f} is required`)
    if (!Number.isFinite(x[f])) throw new BadRequestError(`${where}${f} must be a finite number`)
  }
  return { sepal_length: x.sepal_length, sepal_width: x.sepal_width, petal_length: x.petal_length, petal_width: x.petal_width }
}

function toMessage (c: Classification) {
  return {
    predicted_class: c.predicted_class,
    predicted_class_index: c.predicted_class_index,
    probabilities: c.probabilities,
    confidence: c.confidence,
    all_classes: c.all_classes,
    model_name: c.model.name,
    model_version: c.model.version
  }
}

export function createIrisService (opts: IrisServiceOptions): grpc.UntypedServiceImplementation {
  const { store, inference } = opts
  const pick = (s: Selector) => store.get(s.model !== undefined && s.model !== '' ? s.model : opts.defaultModel, s.version !== undefined && s.version !== '' ? s.version : undefined)

  return {
    Classify: unary(async (req: ClassifyRequest) => {
      const sample = features(req, '')
      const model = pick(req)
      const prediction = await inference.predict({ model, rows: [sample], route: 'iris.InferenceService/Classify' })
      return toMessage(toClassification(model, prediction, 0, []))
    }),
    ClassifyBatch: unary(async (req: BatchRequest) => {
      const n = req.instances.length
      if (n < 1 || n > opts.maxBatchInstances) throw new BadRequestError(`instances must hold 1 to ${opts.maxBatchInstances} samples, got ${n}`)
      const samples = req.instances.map((x, i) => features(x, `instances[${i}].`))
      const model = pick(req)
      const prediction = await inference.predict({ model, rows: samples, route: 'iris.InferenceService/ClassifyBatch' })
      return { predictions: samples.map((_, i) => toMessage(toClassification(model, prediction, i, []))), batch_size: n }
    }),
    Health: unary(() => {
      const version = store.defaultVersion(opts.defaultModel)
      return {
        status: version !== null ? 'SERVING' : 'NOT_SERVING',
        model_loaded: version !== null,
        default_model: opts.defaultModel,
        default_version: version ?? '',
        models: store.list().map((m) => `${m.name}/${m.version}`)
      }
    })
  }
}
