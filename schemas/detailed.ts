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

// The seed's `serialization_demo` (numpy_int, numpy_float, numpy_array: what its custom NumPy JSON
// encoder handles) renamed for what plays that part here: onnxruntime-node's typed arrays. No seed
// client reads the old name, so it is not kept.
export const TypedArrayJsonSchema = Type.Object({
  int64_label: Type.Union([Type.Number(), Type.String(), Type.Null()], { description: 'the label output (int64: a BigInt in a BigInt64Array) as a JSON number; a string past 2^53; null without a label output' }),
  float32_max: Type.Number({ description: 'the largest probability: a float32 widened to float64, unrounded' }),
  float32_array: Type.Array(Type.Number(), { description: 'the probabilities Float32Array through Array.from (JSON.stringify alone gives an object keyed by index)' })
}, { description: 'how onnxruntime-node outputs become JSON (the seed called this serialization_demo, for NumPy types)' })

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
  typed_array_json: TypedArrayJsonSchema,
  warnings: Type.Array(Type.String())
})
