// How onnxruntime-node's outputs become JSON. Typed arrays serialise as objects ({"0":0.9,...}) unless
// converted with Array.from; int64 tensors arrive as BigInt64Array, and JSON.stringify throws on BigInt,
// so they are converted with Number() after checking they fit in 2^53.
import type { Outputs } from '../inference/batcher.js'

export function bigintToJson (value: bigint): number | string {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString()
}

export function describeSerialization (outputs: Outputs, probabilityName: string, labelName: string | null) {
  const probs = outputs[probabilityName]
  const probValues = Array.from(probs.data as Float32Array)
  const label = labelName === null ? undefined : outputs[labelName]
  const labelData = label?.data
  const labelValues = labelData instanceof BigInt64Array ? Array.from(labelData, bigintToJson) : Array.from((labelData ?? []) as ArrayLike<number | string>)
  return {
    probabilities_tensor: {
      name: probabilityName,
      onnx_type: 'float32',
      js_type: probs.data.constructor.name,
      dims: [...probs.dims],
      json: probValues,
      naive_json_stringify: JSON.stringify(probs.data).slice(0, 120),
      note: 'JSON.stringify of a Float32Array gives an object keyed by index; Array.from gives a JSON array. float32 values widen to float64 exactly, so 0.95 prints as its float32 neighbour.'
    },
    label_tensor: label === undefined
      ? null
      : {
          name: labelName,
          onnx_type: labelData instanceof BigInt64Array ? 'int64' : typeof labelValues[0],
          js_type: label.data.constructor.name,
          dims: [...label.dims],
          json: labelValues,
          note: 'int64 tensors are BigInt64Array in onnxruntime-node; JSON.stringify throws "Do not know how to serialize a BigInt", so each value is converted with Number() when it fits in 2^53, else sent as a string.'
        }
  }
}

/** The seed's NumPy encoder demo (its serialization_demo), with the typed arrays that play NumPy's part here. */
export function typedArrayJson (outputs: Outputs, probabilityName: string, labelName: string | null) {
  const probValues = Array.from(outputs[probabilityName].data as Float32Array)
  const label = labelName === null ? undefined : outputs[labelName]?.data
  return {
    int64_label: label instanceof BigInt64Array ? bigintToJson(label[0]) : (label?.[0] as number | string | undefined) ?? null,
    float32_max: Math.max(...probValues),
    float32_array: probValues
  }
}
