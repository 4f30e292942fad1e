import { Type } from '@sinclair/typebox'

const Tensor = Type.Object({
  name: Type.Union([Type.String(), Type.Null()]),
  onnx_type: Type.String(),
  js_type: Type.String(),
  dims: Type.Array(Type.Number()),
  json: Type.Array(Type.Union([Type.Number(), Type.String()])),
  naive_json_stringify: Type.Optional(Type.String()),
  note: Type.String()
})

export const SerializationDemoSchema = Type.Object({
  numpy_int: Type.Union([Type.Number(), Type.String(), Type.Null()]),
  numpy_float: Type.Number(),
  numpy_array: Type.Array(Type.Number())
})

export const DetailedResponseSchema = Type.Object({
  predicted_class: Type.String(),
  predicted_class_index: Type.Integer(),
  confidence: Type.Number(),
  raw_probabilities: Type.Array(Type.Number(), { description: 'float32 outputs widened to float64, unrounded' }),
  all_classes: Type.Array(Type.String()),
  feature_importances: Type.Union([Type.Record(Type.String(), Type.Number()), Type.Null()]),
  feature_importances_reason: Type.String(),
  model_info: Type.Object({
    name: Type.String(),
    version: Type.String(),
    type: Type.String(),
    algorithm: Type.String(),
    params: Type.Record(Type.String(), Type.Unknown()),
    sha256: Type.String(),
    opset: Type.Record(Type.String(), Type.Number()),
    input_name: Type.String(),
    output_names: Type.Object({ probabilities: Type.String(), label: Type.Union([Type.String(), Type.Null()]) }),
    classes: Type.Array(Type.String()),
    feature_names: Type.Array(Type.String()),
    loaded_at: Type.String()
  }),
  serialization: Type.Object({
    probabilities_tensor: Tensor,
    label_tensor: Type.Union([Tensor, Type.Null()])
  }),
  serialization_demo: SerializationDemoSchema,
  warnings: Type.Array(Type.String())
})
