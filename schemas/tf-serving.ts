// Schemas of the TF-Serving-compatible REST front (field names as TF Serving prints them).
import { Type } from '@sinclair/typebox'

export const TfErrorSchema = Type.Object({ error: Type.String() }, { description: 'TF Serving error shape' })

export const TfStatusSchema = Type.Object({
  model_version_status: Type.Array(Type.Object({
    version: Type.String({ description: 'int64 as a string, as TF Serving prints it' }),
    state: Type.String({ description: 'AVAILABLE, or END for a version that failed to load' }),
    status: Type.Object({ error_code: Type.String(), error_message: Type.String() })
  }))
})

export const TfMetadataSchema = Type.Object({
  model_spec: Type.Object({ name: Type.String(), signature_name: Type.String(), version: Type.String() }),
  metadata: Type.Object({ signature_def: Type.Object({ signature_def: Type.Record(Type.String(), Type.Unknown()) }) })
})

export const PredictBodySchema = Type.Object({
  signature_name: Type.Optional(Type.String({ description: 'serving_default (probabilities) or predict_all (probabilities and label); classification / regression for :classify / :regress' })),
  instances: Type.Optional(Type.Unknown({ description: ':predict, row format: [[4 floats], ...] or [{"float_input": [4 floats]}, ...]' })),
  inputs: Type.Optional(Type.Unknown({ description: ':predict, columnar format: [[4 floats], ...] or {"float_input": [[...], ...]}' })),
  context: Type.Optional(Type.Unknown({ description: ':classify / :regress: features every example shares, {"name": value}' })),
  examples: Type.Optional(Type.Unknown({ description: ':classify / :regress: tf.Example JSON, [{"sepal_length": 5.1, "sepal_width": [3.5], ...}, ...]' }))
}, { additionalProperties: false, examples: [{ instances: [[5.1, 3.5, 1.4, 0.2]] }, { examples: [{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }] }] })

export const PredictResponseSchema = Type.Object({
  predictions: Type.Optional(Type.Array(Type.Unknown())),
  outputs: Type.Optional(Type.Unknown()),
  results: Type.Optional(Type.Array(Type.Unknown(), { description: ':classify: [[[label, score], ...], ...]; :regress: [value, ...]' }))
})
